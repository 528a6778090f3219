//! The written records the generator draws from: members with their rules, categories,
//! technicians.

use anyhow::{anyhow, bail, Context};
use chrono::NaiveDate;

use crate::domain::member::Membership;
use crate::domain::ticket::TicketType::{self};
use crate::domain::user::Role;

use super::accounts::*;
use super::figures::*;
use super::rng::*;

/// The written records the generator needs: ids and the rules of each member.
pub(super) struct Directory {
    pub(super) members: Vec<MemberRef>,
    pub(super) domains: Vec<DomainRef>,
    pub(super) technicians: Vec<i64>,
    pub(super) agent_id: i64,
    pub(super) agent_member_id: i64,
    pub(super) project_category_id: i64,
}

pub(super) struct MemberRef {
    pub(super) id: i64,
    pub(super) index: usize,
    pub(super) spec: &'static MemberSpec,
    pub(super) membership: Membership,
    pub(super) hotline_until: Option<NaiveDate>,
}

pub(super) struct DomainRef {
    pub(super) weight: u32,
    pub(super) leaves: Vec<LeafRef>,
}

pub(super) struct LeafRef {
    pub(super) id: i64,
    pub(super) titles: &'static [(&'static str, TicketType)],
}

impl Directory {
    /// `member_ids` follow `MEMBERS`, `leaf_ids` the sub-categories of `CATEGORIES`.
    pub(super) fn new(
        member_ids: &[i64],
        leaf_ids: &[i64],
        technicians: Vec<i64>,
        agent_id: i64,
    ) -> anyhow::Result<Self> {
        if member_ids.len() != MEMBERS.len() {
            bail!("expected {} member ids", MEMBERS.len());
        }
        if technicians.is_empty() {
            bail!("the demo needs technicians");
        }
        let agent_member_id = DEMO_USERS
            .iter()
            .find_map(|&(_, _, role, code)| code.filter(|_| role == Role::Agent))
            .and_then(member_index)
            .map(|index| member_ids[index])
            .context("the demo agent has no member")?;
        let members = MEMBERS
            .iter()
            .zip(member_ids)
            .enumerate()
            .map(|(index, (spec, &id))| MemberRef {
                id,
                index,
                spec,
                membership: Membership {
                    joined_on: spec.joined_on.map(ymd),
                    left_on: spec.left_on.map(ymd),
                },
                hotline_until: spec.hotline_until.map(ymd),
            })
            .collect();
        let mut leaf_ids = leaf_ids.iter().copied();
        let mut domains = Vec::new();
        let mut project_category_id = None;
        for domain in CATEGORIES {
            let mut leaves = Vec::new();
            for &(name, titles) in domain.children {
                let id = leaf_ids.next().context("too few category ids")?;
                if (domain.name, name) == PROJECT_CATEGORY {
                    project_category_id = Some(id);
                }
                leaves.push(LeafRef { id, titles });
            }
            domains.push(DomainRef {
                weight: domain.weight,
                leaves,
            });
        }
        if leaf_ids.next().is_some() {
            bail!("too many category ids");
        }
        Ok(Directory {
            members,
            domains,
            technicians,
            agent_id,
            agent_member_id,
            project_category_id: project_category_id.context("no project category")?,
        })
    }

    pub(super) fn member(&self, code: &str) -> anyhow::Result<&MemberRef> {
        self.members
            .iter()
            .find(|m| m.spec.code == code)
            .ok_or_else(|| anyhow!("unknown demo member {code}"))
    }

    /// The technician usually posted at a member, so that each site sees familiar faces and
    /// the posted sites are shared out evenly.
    pub(super) fn usual_technician(&self, member: &MemberRef) -> i64 {
        let rank = POSTED_SITES
            .iter()
            .position(|&code| code == member.spec.code)
            .unwrap_or(member.index);
        self.technicians[rank % self.technicians.len()]
    }

    pub(super) fn any_technician(&self, rng: &mut Rng) -> i64 {
        *rng.pick(&self.technicians)
    }

    pub(super) fn random_leaf(&self, rng: &mut Rng) -> &LeafRef {
        let weights: Vec<u32> = self.domains.iter().map(|d| d.weight).collect();
        let domain = &self.domains[rng.weighted(&weights)];
        rng.pick(&domain.leaves)
    }
}
