//! Bringing a GLPI history over: `helpdesk import-glpi`.

pub mod mapping;
