//! The year's chapter of the activity report, "Activité du service assistance technique postes
//! de travail", as a Word document: the report's tables and charts with the sentences the
//! activity report writes around them, filled with the period's figures.

use super::docx::{self, Block, DocxError};
use super::lang::Lang;
use super::report::Report;
use super::tables::{self, Cell, Table};

/// A whole number as the language writes it: "1 338" in French (a narrow no-break space
/// between thousands), "1,338" in English.
pub fn whole(n: i64, lang: Lang) -> String {
    let digits = n.unsigned_abs().to_string();
    let separator = match lang {
        Lang::Fr => "\u{202f}",
        Lang::En => ",",
    };
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push_str(separator);
        }
        out.push(c);
    }
    if n < 0 {
        out.insert(0, '-');
    }
    out
}

/// Days in running text: whole days without decimals ("350"), others with two ("76,59").
pub fn days(value: f64, lang: Lang) -> String {
    if (value - value.round()).abs() < 0.005 {
        whole(value.round() as i64, lang)
    } else {
        docx::decimal(value, lang)
    }
}

/// A percentage in running text: "69 %" in French, "69%" in English.
fn percent(value: f64, lang: Lang) -> String {
    let rounded = value.round() as i64;
    match lang {
        Lang::Fr => format!("{rounded}\u{a0}%"),
        Lang::En => format!("{rounded}%"),
    }
}

/// A change from `before` to `now` in percent, signed: "+43 %", "−12 %".
fn change(now: i64, before: i64, lang: Lang) -> Option<String> {
    (before > 0).then(|| {
        let pct = ((now - before) as f64 * 100.0 / before as f64).round() as i64;
        let sign = if pct >= 0 { "+" } else { "\u{2212}" };
        match lang {
            Lang::Fr => format!("{sign}{}\u{a0}%", pct.abs()),
            Lang::En => format!("{sign}{}%", pct.abs()),
        }
    })
}

/// The names and figures of a table's first rows, "Windows (494 jours), réseaux (268 jours)".
fn leading(table: &Table, name_col: usize, value_col: usize, count: usize, lang: Lang) -> String {
    let unit = match lang {
        Lang::Fr => "jours",
        Lang::En => "days",
    };
    let data = table.rows.len() - usize::from(table.has_total_row);
    table.rows[..data]
        .iter()
        .filter_map(|row| {
            let value = row.get(value_col)?.number()?;
            (value > 0.0)
                .then(|| format!("{} ({} {unit})", row[name_col].text(), days(value, lang)))
        })
        .take(count)
        .collect::<Vec<_>>()
        .join(", ")
}

/// The chapter's title.
pub fn title(lang: Lang) -> &'static str {
    match lang {
        Lang::Fr => "Activité du service assistance technique postes de travail",
        Lang::En => "Activity of the workstation technical support service",
    }
}

/// The chapter as a `.docx`.
pub fn document(report: &Report, lang: Lang) -> Result<Vec<u8>, DocxError> {
    let all = tables::tables(report, lang);
    let find = |stem: &str| all.iter().find(|t| t.file_stem == stem);
    let words = lang.words();
    let table = |stem: &str| find(stem).expect("every table of the report is made");
    let tickets = table(words.tickets_file);
    let compared = table(words.seasonality_compare_file);
    let work_days = table(words.work_days_file);
    let on_site = table(words.on_site_file);
    let kinds = table(words.work_kinds_file);
    let allocation = table(words.allocation_file);
    let statements = table(words.statements_file);
    let categories = table(words.categories_file);

    let period = lang.period(report.year, report.month);
    let work = &report.work_days;
    let shares = &work.shares_pct;
    let hotline = &report.tickets_by_member;
    let presence = report.hotline_allocation.presence_days;
    let fr = lang == Lang::Fr;
    let mut blocks: Vec<Block> = vec![Block::Title(format!("{} — {period}", title(lang)))];

    blocks.push(Block::Paragraph(if fr {
        format!(
            "Cette activité concerne l'aide apportée aux utilisateurs pour les problèmes \
             techniques quotidiens sur le poste de travail et sur le réseau local. En {period}, \
             le service a consacré {} jours à ses adhérents. L'ensemble des activités dites \
             « postées » représente {} de l'activité du service d'assistance technique postes de \
             travail ({} jours), les interventions sur site {} ({} jours), les projets {} ({} \
             jours) et la permanence hotline {} ({} jours).",
            days(work.totals.all.days, lang),
            percent(shares.posted, lang),
            days(work.totals.posted.days, lang),
            percent(shares.on_site, lang),
            days(work.totals.on_site.days, lang),
            percent(shares.project, lang),
            days(work.totals.project.days, lang),
            percent(shares.hotline_duty, lang),
            days(work.totals.hotline_duty.days, lang),
        )
    } else {
        format!(
            "This activity is the help given to users with their everyday technical problems on \
             their workstations and local networks. In {period}, the service gave its members {} \
             days. Posted work makes up {} of the workstation technical support service's \
             activity ({} days), on-site interventions {} ({} days), projects {} ({} days) and \
             hotline duty {} ({} days).",
            days(work.totals.all.days, lang),
            percent(shares.posted, lang),
            days(work.totals.posted.days, lang),
            percent(shares.on_site, lang),
            days(work.totals.on_site.days, lang),
            percent(shares.project, lang),
            days(work.totals.project.days, lang),
            percent(shares.hotline_duty, lang),
            days(work.totals.hotline_duty.days, lang),
        )
    }));
    blocks.push(Block::Chart(kinds));
    blocks.push(Block::Table(kinds));

    blocks.push(Block::Heading(
        1,
        if fr {
            format!("Chiffres clés pour l'assistance technique — {period}")
        } else {
            format!("Key figures of technical support — {period}")
        },
    ));
    blocks.push(Block::Heading(
        2,
        if fr {
            "Répartition de l'activité entre les adhérents".into()
        } else {
            "The activity shared among the members".into()
        },
    ));
    let billed = statements
        .rows
        .last()
        .and_then(|r| r.get(8))
        .and_then(Cell::number);
    blocks.push(Block::Paragraph(if fr {
        format!(
            "Chaque adhérent se voit compter ses jours de travail posté, d'interventions sur site \
             et de projets, et sa part des {} jours de présence hotline, au prorata de ses \
             tickets hotline : {} jours en tout.",
            days(presence, lang),
            days(billed.unwrap_or(0.0), lang),
        )
    } else {
        format!(
            "Each member is counted its posted, on-site and project days and its share of the \
             {} days of hotline presence, in proportion to its hotline tickets: {} days in all.",
            days(presence, lang),
            days(billed.unwrap_or(0.0), lang),
        )
    }));
    blocks.push(Block::Chart(work_days));
    blocks.push(Block::Table(statements));

    blocks.push(Block::Heading(
        2,
        if fr {
            "Interventions sur site".into()
        } else {
            "On-site interventions".into()
        },
    ));
    let most_on_site = leading(on_site, 1, 2, 3, lang);
    blocks.push(Block::Paragraph(if fr {
        format!(
            "Les interventions sur site représentent {} jours{}.",
            days(work.totals.on_site.days, lang),
            if most_on_site.is_empty() {
                String::new()
            } else {
                format!(", d'abord pour {most_on_site}")
            }
        )
    } else {
        format!(
            "On-site interventions took {} days{}.",
            days(work.totals.on_site.days, lang),
            if most_on_site.is_empty() {
                String::new()
            } else {
                format!(", first of all for {most_on_site}")
            }
        )
    }));
    blocks.push(Block::Chart(on_site));
    blocks.push(Block::Table(on_site));

    blocks.push(Block::Heading(
        2,
        if fr {
            "Interventions enregistrées sur la hotline".into()
        } else {
            "Interventions logged by the hotline".into()
        },
    ));
    let compare_year = hotline.compare_year;
    let against = match (compare_year, hotline.compare_total) {
        (Some(year), Some(before)) => {
            let delta = change(hotline.total, before, lang)
                .map(|d| format!(" ({d})"))
                .unwrap_or_default();
            if fr {
                format!(", contre {} en {year}{delta}", whole(before, lang))
            } else {
                format!(", against {} in {year}{delta}", whole(before, lang))
            }
        }
        _ => String::new(),
    };
    blocks.push(Block::Paragraph(if fr {
        format!(
            "En dehors du travail posté, le service a enregistré {} tickets{against}. Ces \
             interventions concernent les incidents communiqués à l'équipe du siège (temps de \
             présence : {} jours à répartir sur les adhérents utilisant les services de la \
             hotline).",
            whole(hotline.total, lang),
            days(presence, lang),
        )
    } else {
        format!(
            "Besides posted work, the service logged {} tickets{against}. These are the \
             incidents reported to the team at the head office (presence: {} days to share \
             among the members using the hotline).",
            whole(hotline.total, lang),
            days(presence, lang),
        )
    }));
    blocks.push(Block::Chart(tickets));
    blocks.push(Block::Table(tickets));
    blocks.push(Block::Chart(allocation));
    blocks.push(Block::Table(allocation));

    blocks.push(Block::Heading(
        2,
        if fr {
            "Saisonnalité du traitement des tickets de helpdesk (hors travail posté)".into()
        } else {
            "Seasonality of the helpdesk tickets (besides posted work)".into()
        },
    ));
    let months = &report.seasonality.months;
    let busiest = (0..12).max_by_key(|&i| (months[i], std::cmp::Reverse(i)));
    let calmest = (0..12).min_by_key(|&i| (months[i], i));
    if let (Some(busiest), Some(calmest)) = (busiest, calmest) {
        let name = |i: usize| {
            let month = lang.month_name(i as u32 + 1);
            if fr {
                month.to_lowercase()
            } else {
                month.to_string()
            }
        };
        blocks.push(Block::Paragraph(if fr {
            format!(
                "Le mois le plus chargé a été {} ({} tickets), le plus calme {} ({} tickets).",
                name(busiest),
                whole(months[busiest], lang),
                name(calmest),
                whole(months[calmest], lang),
            )
        } else {
            format!(
                "The busiest month was {} ({} tickets), the quietest {} ({} tickets).",
                name(busiest),
                whole(months[busiest], lang),
                name(calmest),
                whole(months[calmest], lang),
            )
        }));
    }
    blocks.push(Block::Chart(compared));
    blocks.push(Block::Table(compared));

    blocks.push(Block::Heading(
        2,
        if fr {
            "Répartition par catégorie".into()
        } else {
            "By category".into()
        },
    ));
    let total_col = categories.headings.len() - 1;
    let most_days = {
        let mut by_days = categories.clone();
        // The work without a category names no domain.
        let categorised = report
            .by_category
            .rows
            .iter()
            .filter(|r| r.category_id.is_some())
            .count();
        by_days.rows.truncate(categorised);
        by_days.has_total_row = false;
        let data = by_days.rows.len();
        by_days.rows[..data].sort_by(|a, b| {
            let value = |row: &Vec<Cell>| row[total_col].number().unwrap_or(0.0);
            value(b).total_cmp(&value(a))
        });
        leading(&by_days, 1, total_col, 5, lang)
    };
    if !most_days.is_empty() {
        blocks.push(Block::Paragraph(if fr {
            format!("Les catégories qui ont demandé le plus de jours : {most_days}.")
        } else {
            format!("The categories that took the most days: {most_days}.")
        }));
    }
    blocks.push(Block::Chart(categories));
    blocks.push(Block::Table(categories));

    blocks.push(Block::Heading(
        2,
        if fr {
            "Niveaux de service".into()
        } else {
            "Service levels".into()
        },
    ));
    let levels = service_levels_summary(report, lang);
    blocks.push(Block::Paragraph(if fr {
        "Délais de prise en charge et de résolution des tickets hotline de l'année, en minutes \
         ouvrées, par priorité."
            .into()
    } else {
        "Times to take in charge and to resolve the year's hotline tickets, in business minutes, \
         by priority."
            .into()
    }));
    blocks.push(Block::Table(&levels));
    blocks.push(Block::Caption(if fr {
        "Source : statistiques du service, calculées à partir des tickets et des journées \
         enregistrés."
            .into()
    } else {
        "Source: the service's statistics, computed from the tickets and work days logged.".into()
    }));
    docx::document(title(lang), lang, &blocks)
}

/// The service levels per priority over every member: tickets, and the share within target.
fn service_levels_summary(report: &Report, lang: Lang) -> Table {
    let words = lang.words();
    // priority -> [tickets, acknowledged, within, resolved, within]
    let mut sums: std::collections::BTreeMap<i32, [f64; 5]> = Default::default();
    for row in &report.service_levels.rows {
        let entry = sums.entry(row.priority).or_default();
        entry[0] += row.tickets as f64;
        for (slot, durations) in [(1, &row.acknowledge), (3, &row.resolve)] {
            entry[slot] += durations.count as f64;
            entry[slot + 1] +=
                (durations.count as f64 * durations.within_target_pct.unwrap_or(0.0) / 100.0)
                    .round();
        }
    }
    let pct = |within: f64, of: f64| {
        if of > 0.0 {
            Cell::Decimal((within * 10_000.0 / of).round() / 100.0)
        } else {
            Cell::Text(String::new())
        }
    };
    let rows = sums
        .into_iter()
        .map(|(priority, s)| {
            vec![
                Cell::Count(i64::from(priority)),
                Cell::Count(s[0] as i64),
                pct(s[2], s[1]),
                pct(s[4], s[3]),
            ]
        })
        .collect();
    let within = |what: &str| lang.colon(what, words.within_target_pct);
    Table {
        sheet_name: words.service_levels_sheet,
        file_stem: words.service_levels_file,
        headings: vec![
            words.priority.into(),
            words.tickets.into(),
            within(words.acknowledged),
            within(words.resolved),
        ],
        rows,
        has_total_row: false,
        chart: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_written_the_languages_way() {
        assert_eq!(whole(1338, Lang::Fr), "1\u{202f}338");
        assert_eq!(whole(1338, Lang::En), "1,338");
        assert_eq!(whole(701, Lang::Fr), "701");
        assert_eq!(whole(-1_000_000, Lang::En), "-1,000,000");
        assert_eq!(days(350.0, Lang::Fr), "350");
        assert_eq!(days(76.59, Lang::Fr), "76,59");
        assert_eq!(days(76.5, Lang::En), "76.50");
        assert_eq!(change(701, 489, Lang::Fr).as_deref(), Some("+43\u{a0}%"));
        assert_eq!(change(400, 489, Lang::En).as_deref(), Some("\u{2212}18%"));
        assert_eq!(change(5, 0, Lang::En), None);
    }
}
