//! Placeholder until the catalogue data for this platform is entered.

use super::{Platform, PlatformId};
use crate::doc::Format;

pub(super) const PLATFORM: Platform = Platform {
    pid: PlatformId::OfficialAccount,
    id: "official-account",
    zh: "",
    en: "",
    formats: &[Format::Json],
    markers: &[],
    types: &[],
};
