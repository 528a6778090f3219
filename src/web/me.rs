//! My day (`/console/me`): where I am posted today, my open tickets by member, my week's work
//! logs, and logging a day or half a day in two clicks.

use std::collections::BTreeMap;

use actix_web::web;
use chrono::{Datelike, Duration};
use maud::html;

use crate::api::State;
use crate::db;
use crate::db::tickets::{Ticket, TicketFilter};
use crate::db::work_logs::WorkLogFilter;
use crate::desk::directory::Directory;
use crate::domain::ticket::Status;
use crate::domain::time::today;
use crate::domain::work_log::minutes_to_days;
use crate::domain::work_log::WorkKind;
use crate::web::format;
use crate::web::layout::{csrf_field, Page, Section};
use crate::web::session::Viewer;
use crate::web::work_logs::log_table;
use crate::web::Answer;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/console/me", web::get().to(my_day));
}

/// The most open tickets the page lists; the queue's "mine" view has them all.
const MY_TICKETS: i64 = 200;

async fn my_day(state: State, viewer: Viewer) -> Answer {
    viewer.require_staff()?;
    let lang = viewer.lang;
    let me = viewer.actor.id;
    let day = today(state.zone());
    let monday = day - Duration::days(i64::from(day.weekday().num_days_from_monday()));
    let sunday = monday + Duration::days(6);
    let (directory, tickets, week) = state
        .run(move |conn| {
            let directory = Directory::load(conn)?;
            let filter = TicketFilter {
                assignee_id: Some(me),
                statuses: Status::NOT_DONE.to_vec(),
                ..TicketFilter::default()
            };
            let tickets = db::tickets::list(conn, &filter, None, MY_TICKETS)?;
            let logs = WorkLogFilter {
                technician_id: Some(me),
                from: Some(monday),
                to: Some(sunday),
                ..WorkLogFilter::default()
            };
            let week = db::work_logs::list(conn, &logs, None, 200)?;
            Ok((directory, tickets, week))
        })
        .await?;
    let workday = state.settings.service.workday_minutes;
    let today_logs: Vec<_> = week.iter().filter(|l| l.work_date == day).collect();
    let posted: Vec<String> = today_logs
        .iter()
        .filter(|l| matches!(l.kind, WorkKind::Posted | WorkKind::OnSite))
        .filter_map(|l| l.member_id.and_then(|m| directory.member(m)))
        .map(|m| m.name.clone())
        .fold(Vec::new(), |mut names: Vec<String>, name| {
            if !names.contains(&name) {
                names.push(name);
            }
            names
        });
    // The member offered first: today's, else the one of the latest log this week.
    let usual = today_logs
        .iter()
        .copied()
        .chain(week.iter())
        .find_map(|l| l.member_id);
    let mut by_member: BTreeMap<String, Vec<&Ticket>> = BTreeMap::new();
    for t in &tickets {
        let name = directory
            .member(t.member_id)
            .map(|m| format!("{} · {}", m.code, m.name))
            .unwrap_or_default();
        by_member.entry(name).or_default().push(t);
    }
    let week_minutes: i64 = week.iter().map(|l| i64::from(l.minutes)).sum();
    let body = html! {
        h1 { (lang.t("Ma journée", "My day")) " · " (format::date(lang, day)) }
        div.day {
            section {
                h2 { (lang.t("Aujourd'hui", "Today")) }
                @if posted.is_empty() {
                    p.empty { (lang.t("Aucun poste enregistré aujourd'hui.", "No posting logged today.")) }
                } @else {
                    p { (lang.t("Posté chez ", "Posted at ")) strong { (posted.join(", ")) } }
                }
                form method="post" action="/console/work-logs" {
                    (csrf_field(&viewer))
                    input type="hidden" name="date" value=(day.to_string());
                    input type="hidden" name="back" value="/console/me";
                    div.row {
                        div.field {
                            label for="q-kind" { (lang.t("Nature", "Kind")) }
                            select #q-kind name="kind" {
                                @for k in WorkKind::ALL { option value=(k.as_str()) { (format::work_kind(lang, *k)) } }
                            }
                        }
                        div.field {
                            label for="q-member" { (lang.t("Adhérent", "Member")) }
                            select #q-member name="member_id" {
                                option value="" { (lang.t("— (permanence hotline)", "— (hotline duty)")) }
                                @for m in directory.members.iter().filter(|m| m.left_on.is_none_or(|left| left >= day)) {
                                    option value=(m.id) selected[usual == Some(m.id)] { (m.code) " · " (m.name) }
                                }
                            }
                        }
                    }
                    div.quick {
                        button.primary type="submit" name="days" value="1" { (lang.t("Journée", "Full day")) }
                        button.primary type="submit" name="days" value="0.5" { (lang.t("Demi-journée", "Half day")) }
                    }
                }
            }
            section {
                h2 { (lang.t("Mes tickets ouverts", "My open tickets")) " (" (tickets.len()) ")" }
                @if tickets.is_empty() { p.empty { (lang.t("Aucun ticket ouvert.", "No open ticket.")) } }
                @for (member, list) in &by_member {
                    div.group {
                        h3 { (member) " (" (list.len()) ")" }
                        ul {
                            @for t in list {
                                li {
                                    a href=(format!("/console/tickets/{}", t.id)) { "#" (t.id) " " (t.title) }
                                    " " span class=(format!("status s-{}", t.status.as_str())) { (format::status(lang, t.status)) }
                                }
                            }
                        }
                    }
                }
            }
        }
        section {
            h2 { (lang.t("Ma semaine", "My week")) " · " (format::number(lang, minutes_to_days(week_minutes, workday), 2)) " " (lang.t("jours", "days")) }
            (log_table(lang, &directory, &week, workday, false))
            @if week.is_empty() { p.empty { (lang.t("Rien d'enregistré cette semaine.", "Nothing logged this week.")) } }
            p { a href=(format!("/console/work-logs?technician_id={me}")) { (lang.t("Tous mes temps →", "All my work logs →")) } }
        }
    };
    Ok(Page {
        title: lang.t("Ma journée", "My day").to_string(),
        viewer: Some(&viewer),
        lang,
        section: Section::MyDay,
        body,
    }
    .ok())
}
