//! GLPI's values as the service's: text, dates, vocabularies and trees, with no database.

use std::collections::{BTreeMap, HashMap};

use chrono::{LocalResult, NaiveDateTime, TimeDelta, TimeZone};
use chrono_tz::Tz;

use crate::domain::ticket::{Channel, Priority, Status, TicketType};

/// The stored form of a GLPI text back to what was typed: GLPI 10 writes `&#60;`, `&#62;` and
/// `&#38;`, GLPI 9.x `&lt;` and `&gt;`. One pass, so `&#38;lt;` (a typed `&lt;`) stays `&lt;`.
pub fn unsanitize(stored: &str) -> String {
    const FORMS: [(&str, char); 5] = [
        ("&#60;", '<'),
        ("&#62;", '>'),
        ("&#38;", '&'),
        ("&lt;", '<'),
        ("&gt;", '>'),
    ];
    let mut out = String::with_capacity(stored.len());
    let mut rest = stored;
    while let Some(at) = rest.find('&') {
        out.push_str(&rest[..at]);
        rest = &rest[at..];
        match FORMS.iter().find(|(form, _)| rest.starts_with(form)) {
            Some((form, decoded)) => {
                out.push(*decoded);
                rest = &rest[form.len()..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// A name (a title, an entity's or a category's name) as typed.
pub fn name_text(stored: &str) -> String {
    unsanitize(stored).trim().to_string()
}

/// A content (a ticket's description, a followup, a task, a solution) as plain text: GLPI's
/// HTML becomes paragraphs and line breaks, its entities characters; a plain-text content keeps
/// its lines.
pub fn content_text(stored: &str) -> String {
    let raw = unsanitize(stored);
    let text = if looks_like_html(&raw) {
        html_to_text(&raw)
    } else {
        raw.replace("\r\n", "\n")
    };
    tidy_lines(&text)
}

fn looks_like_html(text: &str) -> bool {
    let bytes = text.as_bytes();
    bytes
        .windows(2)
        .any(|w| w[0] == b'<' && (w[1].is_ascii_alphabetic() || w[1] == b'/' || w[1] == b'!'))
}

/// Tags that end a line, and those that end a paragraph (an item of a list starts a line).
const LINE_TAGS: [&str; 2] = ["br", "tr"];
const BLOCK_TAGS: [&str; 14] = [
    "p",
    "div",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "ul",
    "ol",
    "table",
    "blockquote",
    "pre",
    "hr",
];

fn html_to_text(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    let mut skipping: Option<&str> = None;
    while !rest.is_empty() {
        let Some(open) = rest.find('<') else {
            if skipping.is_none() {
                push_text(&mut out, rest);
            }
            break;
        };
        if skipping.is_none() {
            push_text(&mut out, &rest[..open]);
        }
        rest = &rest[open..];
        if rest.starts_with("<!--") {
            rest = rest.find("-->").map_or("", |end| &rest[end + 3..]);
            continue;
        }
        let Some(close) = rest.find('>') else {
            // A lone '<': text, not a tag.
            if skipping.is_none() {
                out.push('<');
            }
            rest = &rest[1..];
            continue;
        };
        let tag = &rest[1..close];
        rest = &rest[close + 1..];
        let closing = tag.starts_with('/');
        let name: String = tag
            .trim_start_matches('/')
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric())
            .collect::<String>()
            .to_ascii_lowercase();
        if let Some(skipped) = skipping {
            if closing && name == skipped {
                skipping = None;
            }
            continue;
        }
        match name.as_str() {
            "script" | "style" if !closing => {
                skipping = Some(if name == "script" { "script" } else { "style" });
            }
            "img" => out.push_str("[image]"),
            "td" | "th" if closing => out.push('\t'),
            "li" if !closing => out.push_str("\n- "),
            "li" => {}
            n if LINE_TAGS.contains(&n) => out.push('\n'),
            n if BLOCK_TAGS.contains(&n) => out.push_str("\n\n"),
            _ => {}
        }
    }
    out
}

/// Text between tags: its runs of blanks are one space (HTML's own rule), its entities
/// characters.
fn push_text(out: &mut String, text: &str) {
    let decoded = decode_entities(text);
    let mut last_blank = out.ends_with([' ', '\n']) || out.is_empty();
    for c in decoded.chars() {
        if c.is_whitespace() && c != '\u{a0}' {
            if !last_blank {
                out.push(' ');
            }
            last_blank = true;
        } else {
            out.push(if c == '\u{a0}' { ' ' } else { c });
            last_blank = false;
        }
    }
}

fn decode_entities(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find('&') {
        out.push_str(&rest[..at]);
        rest = &rest[at..];
        let end = rest[1..]
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '#'))
            .map(|i| i + 1);
        let decoded = match end {
            Some(end) if rest[end..].starts_with(';') => {
                entity(&rest[1..end]).map(|c| (c, end + 1))
            }
            _ => None,
        };
        match decoded {
            Some((c, used)) => {
                out.push(c);
                rest = &rest[used..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

fn entity(name: &str) -> Option<char> {
    if let Some(number) = name.strip_prefix('#') {
        let code = match number.strip_prefix(['x', 'X']) {
            Some(hex) => u32::from_str_radix(hex, 16).ok()?,
            None => number.parse().ok()?,
        };
        return char::from_u32(code);
    }
    Some(match name {
        "amp" => '&',
        "lt" => '<',
        "gt" => '>',
        "quot" => '"',
        "apos" => '\'',
        "nbsp" => '\u{a0}',
        "eacute" => 'é',
        "egrave" => 'è',
        "ecirc" => 'ê',
        "euml" => 'ë',
        "agrave" => 'à',
        "acirc" => 'â',
        "ccedil" => 'ç',
        "ocirc" => 'ô',
        "ucirc" => 'û',
        "ugrave" => 'ù',
        "icirc" => 'î',
        "iuml" => 'ï',
        "Eacute" => 'É',
        "Egrave" => 'È',
        "Agrave" => 'À',
        "Ccedil" => 'Ç',
        "laquo" => '«',
        "raquo" => '»',
        "rsquo" => '’',
        "lsquo" => '‘',
        "ldquo" => '“',
        "rdquo" => '”',
        "hellip" => '…',
        "ndash" => '–',
        "mdash" => '—',
        "euro" => '€',
        "deg" => '°',
        "oelig" => 'œ',
        _ => return None,
    })
}

/// Lines without trailing blanks, at most one empty line in a row, none at either end.
fn tidy_lines(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut blank_run = 0;
    for line in text.lines().map(|l| l.trim_end().trim_start_matches(' ')) {
        if line.is_empty() {
            blank_run += 1;
            continue;
        }
        if !out.is_empty() {
            out.push_str(if blank_run > 0 { "\n\n" } else { "\n" });
        }
        blank_run = 0;
        out.push_str(line);
    }
    out
}

/// GLPI's wall-clock time (the cooperative's zone) as the instant the service stores (UTC). In
/// the autumn's repeated hour the first of the two instants is taken; a time in the spring's
/// skipped hour (GLPI never writes one) is read as the instant after the gap.
pub fn instant(wall_clock: NaiveDateTime, zone: Tz) -> NaiveDateTime {
    match zone.from_local_datetime(&wall_clock) {
        LocalResult::Single(at) => at.naive_utc(),
        LocalResult::Ambiguous(first, _) => first.naive_utc(),
        LocalResult::None => match zone.from_local_datetime(&(wall_clock + TimeDelta::hours(1))) {
            LocalResult::Single(at) | LocalResult::Ambiguous(at, _) => at.naive_utc(),
            LocalResult::None => wall_clock,
        },
    }
}

/// GLPI's timestamp text (`2017-01-01 00:10:00`); `None` for an empty or zero date, an error
/// for anything else unreadable.
pub fn wall_clock(value: &str) -> Result<Option<NaiveDateTime>, String> {
    let value = value.trim();
    if value.is_empty() || value.starts_with("0000-00-00") {
        return Ok(None);
    }
    NaiveDateTime::parse_from_str(value, "%Y-%m-%d %H:%M:%S")
        .map(Some)
        .map_err(|_| format!("unreadable date {value:?}"))
}

/// GLPI's status (1 new … 6 closed).
pub fn status(glpi: i64) -> Option<Status> {
    Some(match glpi {
        1 => Status::New,
        2 => Status::Assigned,
        3 => Status::InProgress,
        4 => Status::Waiting,
        5 => Status::Resolved,
        6 => Status::Closed,
        _ => return None,
    })
}

/// GLPI's type (1 incident, 2 request).
pub fn ticket_type(glpi: i64) -> Option<TicketType> {
    match glpi {
        1 => Some(TicketType::Incident),
        2 => Some(TicketType::Request),
        _ => None,
    }
}

/// GLPI's priority (1 very low … 5 very high, 6 major) as the service's (1 critical … 4 low).
pub fn priority(glpi: i64) -> Option<Priority> {
    let number = match glpi {
        5 | 6 => 1,
        4 => 2,
        3 => 3,
        1 | 2 => 4,
        _ => return None,
    };
    Priority::parse(number).ok()
}

/// A request type's channel by its name (GLPI keeps the defaults' English names); the mapping
/// file's choice first; anything else came in some other way: the API.
pub fn channel(name: &str, mapped: &HashMap<String, Channel>) -> Channel {
    let name = name.trim();
    if let Some(channel) = mapped.get(&name.to_lowercase()) {
        return *channel;
    }
    match name.to_lowercase().as_str() {
        "phone" | "téléphone" | "telephone" => Channel::Phone,
        "e-mail" | "email" | "courriel" | "mail" => Channel::Email,
        "helpdesk" => Channel::Web,
        _ => Channel::Api,
    }
}

/// A member's code from an entity's tag, or else an upper-case slug of its name: letters
/// without accents, digits, runs of anything else as one '-'; at most 40 characters.
pub fn member_code(tag: Option<&str>, name: &str) -> String {
    let source = tag.map(str::trim).filter(|t| !t.is_empty()).unwrap_or(name);
    let mut code = String::new();
    for c in source.chars().flat_map(fold_accent) {
        if c.is_ascii_alphanumeric() || c == '_' {
            code.push(c.to_ascii_uppercase());
        } else if !code.is_empty() && !code.ends_with('-') {
            code.push('-');
        }
    }
    let mut code: String = code.trim_end_matches('-').chars().take(40).collect();
    while code.ends_with('-') {
        code.pop();
    }
    if code.is_empty() {
        "ENTITE".to_string()
    } else {
        code
    }
}

fn fold_accent(c: char) -> Vec<char> {
    let folded = match c {
        'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' => 'a',
        'À' | 'Á' | 'Â' | 'Ã' | 'Ä' | 'Å' => 'A',
        'ç' => 'c',
        'Ç' => 'C',
        'è' | 'é' | 'ê' | 'ë' => 'e',
        'È' | 'É' | 'Ê' | 'Ë' => 'E',
        'ì' | 'í' | 'î' | 'ï' => 'i',
        'Ì' | 'Í' | 'Î' | 'Ï' => 'I',
        'ñ' => 'n',
        'Ñ' => 'N',
        'ò' | 'ó' | 'ô' | 'õ' | 'ö' => 'o',
        'Ò' | 'Ó' | 'Ô' | 'Õ' | 'Ö' => 'O',
        'ù' | 'ú' | 'û' | 'ü' => 'u',
        'Ù' | 'Ú' | 'Û' | 'Ü' => 'U',
        'ý' | 'ÿ' => 'y',
        'œ' => return vec!['o', 'e'],
        'Œ' => return vec!['O', 'E'],
        'æ' => return vec!['a', 'e'],
        'Æ' => return vec!['A', 'E'],
        other => other,
    };
    vec![folded]
}

/// One entity of GLPI's tree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entity {
    pub id: i64,
    /// `None` for the root (NULL in GLPI 10, -1 in 9.x).
    pub parent: Option<i64>,
    pub name: String,
    pub tag: Option<String>,
}

/// Where an entity's tickets go.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Owner {
    /// The member that is, or is above, the entity (its id among the entities).
    Member(i64),
    /// The cooperative's own entities: the root, the chosen entity, its siblings.
    Internal,
}

/// The entity tree and the entity whose children are the members.
#[derive(Debug, Clone)]
pub struct EntityTree {
    entities: BTreeMap<i64, Entity>,
    pub anchor: i64,
}

impl EntityTree {
    /// `anchor`: the entity whose children become members, by id or by name (its name or its
    /// path joined with " > "); by default the first entity below the root that has children.
    pub fn new(entities: Vec<Entity>, anchor: Option<&str>) -> Result<EntityTree, String> {
        let entities: BTreeMap<i64, Entity> = entities.into_iter().map(|e| (e.id, e)).collect();
        let has_children = |id: i64| entities.values().any(|e| e.parent == Some(id));
        let anchor = match anchor {
            Some(wanted) => {
                let wanted = wanted.trim();
                entities
                    .values()
                    .find(|e| {
                        e.id.to_string() == wanted
                            || e.name == wanted
                            || path_of(&entities, e.id) == wanted
                    })
                    .map(|e| e.id)
                    .ok_or_else(|| format!("no entity {wanted:?} in GLPI"))?
            }
            None => {
                let roots: Vec<i64> = entities
                    .values()
                    .filter(|e| e.parent.is_none_or(|p| !entities.contains_key(&p)))
                    .map(|e| e.id)
                    .collect();
                entities
                    .values()
                    .filter(|e| e.parent.is_some_and(|p| roots.contains(&p)))
                    .map(|e| e.id)
                    .find(|id| has_children(*id))
                    .ok_or("no entity below the root has children: name the members' parent entity in the mapping file")?
            }
        };
        Ok(EntityTree { entities, anchor })
    }

    pub fn get(&self, id: i64) -> Option<&Entity> {
        self.entities.get(&id)
    }

    /// The entities that become members, in id order.
    pub fn members(&self) -> impl Iterator<Item = &Entity> {
        self.entities
            .values()
            .filter(move |e| e.parent == Some(self.anchor))
    }

    /// Whose an entity's tickets are; `None` for an entity GLPI does not have.
    pub fn owner(&self, id: i64) -> Option<Owner> {
        let mut current = self.entities.get(&id)?;
        // A tree is shallow; the bound stops a corrupt cycle.
        for _ in 0..64 {
            match current.parent {
                Some(parent) if parent == self.anchor => return Some(Owner::Member(current.id)),
                Some(parent) => match self.entities.get(&parent) {
                    Some(up) => current = up,
                    None => return Some(Owner::Internal),
                },
                None => return Some(Owner::Internal),
            }
        }
        Some(Owner::Internal)
    }

    /// An entity's path from the root, as GLPI's `completename` writes it.
    pub fn path(&self, id: i64) -> String {
        path_of(&self.entities, id)
    }
}

fn path_of(entities: &BTreeMap<i64, Entity>, id: i64) -> String {
    let mut names = Vec::new();
    let mut current = entities.get(&id);
    while let Some(entity) = current {
        names.push(entity.name.as_str());
        if names.len() > 64 {
            break;
        }
        current = entity.parent.and_then(|p| entities.get(&p));
    }
    names.reverse();
    names.join(" > ")
}

/// One ITIL category of GLPI's tree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Category {
    pub id: i64,
    /// 0 at the top.
    pub parent: i64,
    pub name: String,
}

/// Where a GLPI category lands in the two levels: its top-level ancestor's name, and below it
/// the path of names under that ancestor (`Coriolis > Paie`), or `None` for a top-level one.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CategoryPlace {
    pub top: String,
    pub child: Option<String>,
}

/// Each category's place, by GLPI id.
pub fn category_places(categories: &[Category]) -> HashMap<i64, CategoryPlace> {
    let by_id: HashMap<i64, &Category> = categories.iter().map(|c| (c.id, c)).collect();
    categories
        .iter()
        .map(|category| {
            let mut names = vec![category.name.clone()];
            let mut current = category;
            while let Some(parent) = by_id.get(&current.parent) {
                if names.len() > 64 {
                    break;
                }
                names.push(parent.name.clone());
                current = parent;
            }
            names.reverse();
            let top = names.remove(0);
            let child = (!names.is_empty()).then(|| names.join(" > "));
            (category.id, CategoryPlace { top, child })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    #[test]
    fn both_stored_encodings_come_back_as_typed() {
        assert_eq!(unsanitize("R&#38;D &#60;urgent&#62;"), "R&D <urgent>");
        assert_eq!(unsanitize("R&D &lt;urgent&gt;"), "R&D <urgent>");
        // A typed "&lt;" stored by GLPI 10 stays "&lt;": one pass, no double decoding.
        assert_eq!(unsanitize("a &#38;lt; b"), "a &lt; b");
        assert_eq!(
            name_text("  L'écran 🖥️ ne s'allume pas  "),
            "L'écran 🖥️ ne s'allume pas"
        );
    }

    #[test]
    fn html_contents_become_paragraphs_and_lines() {
        let glpi10 = "&#60;p&#62;Bonjour,&#60;/p&#62;&#60;p&#62;L&#38;apos;imprimante&#60;br&#62;du 2&#60;sup&#62;e&#60;/sup&#62; étage &#38;amp; le scanner&#38;nbsp;!&#60;/p&#62;";
        assert_eq!(
            content_text(glpi10),
            "Bonjour,\n\nL'imprimante\ndu 2e étage & le scanner !"
        );
        let glpi9 = "&lt;div&gt;Merci&lt;/div&gt;&lt;ul&gt;&lt;li&gt;un&lt;/li&gt;&lt;li&gt;deux&lt;/li&gt;&lt;/ul&gt;&lt;img src=\"/front/document.send.php?docid=4\" /&gt;";
        assert_eq!(content_text(glpi9), "Merci\n\n- un\n- deux\n\n[image]");
        assert_eq!(
            content_text("<p>a &#233; &#xE9; &unknown; &amp</p><!-- note --><script>x()</script>"),
            "a é é &unknown; &amp"
        );
    }

    #[test]
    fn plain_contents_keep_their_lines_and_a_lone_angle_bracket() {
        assert_eq!(
            content_text("Ligne 1\r\nLigne 2\n\n\n\nFin 3 &#60; 4  "),
            "Ligne 1\nLigne 2\n\nFin 3 < 4"
        );
        let long = "é".repeat(70_000);
        assert_eq!(content_text(&long).chars().count(), 70_000);
    }

    #[test]
    fn wall_clock_times_are_read_in_the_cooperatives_zone() {
        let paris: Tz = "Europe/Paris".parse().unwrap();
        let at = |d: &str| wall_clock(d).unwrap().unwrap();
        // New year's night: still 2016 in UTC, January 2017 in Paris.
        assert_eq!(
            instant(at("2017-01-01 00:10:00"), paris),
            at("2016-12-31 23:10:00")
        );
        // Summer time: two hours.
        assert_eq!(
            instant(at("2018-07-01 10:00:00"), paris),
            at("2018-07-01 08:00:00")
        );
        // The repeated autumn hour: the first of the two.
        assert_eq!(
            instant(at("2018-10-28 02:30:00"), paris),
            at("2018-10-28 00:30:00")
        );
        // The skipped spring hour: the instant after the gap.
        assert_eq!(
            instant(at("2018-03-25 02:30:00"), paris),
            at("2018-03-25 01:30:00")
        );
        assert_eq!(wall_clock("").unwrap(), None);
        assert_eq!(wall_clock("0000-00-00 00:00:00").unwrap(), None);
        assert!(wall_clock("2017-02-30 10:00:00").is_err());
        assert_eq!(
            at("2017-01-31 23:59:59").date(),
            NaiveDate::from_ymd_opt(2017, 1, 31).unwrap()
        );
    }

    #[test]
    fn glpi_vocabularies_map_to_the_services() {
        let numbers: Vec<Option<i32>> = (0..=7).map(|p| priority(p).map(|p| p.number())).collect();
        assert_eq!(
            numbers,
            [
                None,
                Some(4),
                Some(4),
                Some(3),
                Some(2),
                Some(1),
                Some(1),
                None
            ]
        );
        assert_eq!(status(3), Some(Status::InProgress));
        assert_eq!(status(4), Some(Status::Waiting));
        assert_eq!(status(6), Some(Status::Closed));
        assert_eq!(status(9), None);
        assert_eq!(ticket_type(2), Some(TicketType::Request));
        let mut mapped = HashMap::new();
        assert_eq!(channel("Phone", &mapped), Channel::Phone);
        assert_eq!(channel("E-Mail", &mapped), Channel::Email);
        assert_eq!(channel("Helpdesk", &mapped), Channel::Web);
        assert_eq!(channel("Direct", &mapped), Channel::Api);
        mapped.insert("direct".to_string(), Channel::Phone);
        assert_eq!(channel("Direct", &mapped), Channel::Phone);
    }

    #[test]
    fn a_members_code_is_its_tag_or_a_slug_of_its_name() {
        assert_eq!(member_code(Some("OPH-VJ"), "OPH de Villejuif"), "OPH-VJ");
        assert_eq!(member_code(None, "OPH de Villejuif"), "OPH-DE-VILLEJUIF");
        assert_eq!(member_code(Some(" "), "Écoles d'Ivry"), "ECOLES-D-IVRY");
        assert_eq!(member_code(None, "Cœur & Santé"), "COEUR-SANTE");
        assert_eq!(member_code(None, "!!!"), "ENTITE");
        assert!(member_code(None, &"a".repeat(60)).len() <= 40);
        for code in ["OPH-DE-VILLEJUIF", "ECOLES-D-IVRY", "COEUR-SANTE"] {
            assert!(crate::domain::member::parse_code(code).is_ok());
        }
    }

    fn entity(id: i64, parent: Option<i64>, name: &str) -> Entity {
        Entity {
            id,
            parent,
            name: name.into(),
            tag: None,
        }
    }

    #[test]
    fn members_are_the_children_of_the_first_entity_with_children_below_the_root() {
        let tree = EntityTree::new(
            vec![
                entity(0, None, "Entité racine"),
                entity(1, Some(0), "Archives"),
                entity(2, Some(0), "SIIM94"),
                entity(3, Some(2), "Ivry"),
                entity(4, Some(3), "Écoles Ivry"),
                entity(5, Some(2), "Arcueil"),
            ],
            None,
        )
        .unwrap();
        assert_eq!(tree.anchor, 2);
        let members: Vec<i64> = tree.members().map(|e| e.id).collect();
        assert_eq!(members, [3, 5]);
        assert_eq!(tree.owner(4), Some(Owner::Member(3)), "a deeper entity");
        assert_eq!(tree.owner(5), Some(Owner::Member(5)));
        assert_eq!(tree.owner(2), Some(Owner::Internal));
        assert_eq!(tree.owner(1), Some(Owner::Internal));
        assert_eq!(tree.owner(0), Some(Owner::Internal));
        assert_eq!(tree.owner(99), None);
        assert_eq!(tree.path(4), "Entité racine > SIIM94 > Ivry > Écoles Ivry");
        let named = EntityTree::new(
            vec![
                entity(0, None, "Entité racine"),
                entity(2, Some(0), "SIIM94"),
                entity(3, Some(2), "Ivry"),
                entity(4, Some(3), "Écoles Ivry"),
            ],
            Some("Entité racine > SIIM94 > Ivry"),
        )
        .unwrap();
        assert_eq!(named.owner(4), Some(Owner::Member(4)));
        assert_eq!(named.owner(3), Some(Owner::Internal));
        assert!(EntityTree::new(vec![entity(0, None, "r")], Some("nope")).is_err());
    }

    #[test]
    fn deep_categories_become_second_level_ones_named_with_their_path() {
        let category = |id, parent, name: &str| Category {
            id,
            parent,
            name: name.into(),
        };
        let places = category_places(&[
            category(1, 0, "Logiciels métiers"),
            category(2, 1, "Coriolis"),
            category(3, 2, "Paie"),
            category(4, 0, "Réseau"),
        ]);
        let place = |top: &str, child: Option<&str>| CategoryPlace {
            top: top.into(),
            child: child.map(str::to_string),
        };
        assert_eq!(places[&1], place("Logiciels métiers", None));
        assert_eq!(places[&2], place("Logiciels métiers", Some("Coriolis")));
        assert_eq!(
            places[&3],
            place("Logiciels métiers", Some("Coriolis > Paie"))
        );
        assert_eq!(places[&4], place("Réseau", None));
    }
}
