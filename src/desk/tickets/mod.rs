//! Use cases of tickets: filing, changing, assigning, importing, and who may see one.

mod access;
mod assign;
mod call;
mod change;
mod file;
pub(crate) mod import;
mod reading;

pub use access::*;
pub use assign::*;
pub use call::*;
pub use change::*;
pub use file::*;
pub use import::*;
pub use reading::*;
