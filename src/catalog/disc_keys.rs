//! The keys that say what a payload is ([`super::Disc`]), as one table that
//! both detection and the tape readers read: a reader notes where the root
//! object's discriminator keys are while it hashes them anyway, and detection
//! need not walk the object's keys again.

use super::key_hash;

/// The keys the discriminator reads, in slot order.
pub const DISC_KEYS: [&str; 12] = [
    "MsgType",
    "msgtype",
    "Event",
    "Encrypt",
    "MsgSignature",
    "TimeStamp",
    "msg_list",
    "errcode",
    "next_cursor",
    "has_more",
    "errmsg",
    "AgentID",
];
pub const MSG_TYPE: usize = 0;
pub const SNAKE_TYPE: usize = 1;
pub const EVENT: usize = 2;
pub const ENCRYPT: usize = 3;
pub const MSG_SIGNATURE: usize = 4;
pub const TIME_STAMP: usize = 5;
pub const MSG_LIST: usize = 6;
pub const ERRCODE: usize = 7;
pub const NEXT_CURSOR: usize = 8;
pub const HAS_MORE: usize = 9;
pub const ERRMSG: usize = 10;
/// WeCom's application id: beside a PascalCase `MsgType` it makes a WeCom
/// application message (catalogue §1 rule 11). The last slot: only its
/// presence is read.
pub const AGENT_ID: usize = 11;
const _: () = assert!(AGENT_ID == DISC_KEYS.len() - 1);

/// Their hashes, so keys are told apart by integer compares.
const DISC_HASHES: [u64; DISC_KEYS.len()] = {
    let mut h = [0; DISC_KEYS.len()];
    let mut i = 0;
    while i < DISC_KEYS.len() {
        h[i] = key_hash(DISC_KEYS[i]);
        i += 1;
    }
    h
};

/// The keys nearly every payload has (the official header, a kf item's):
/// the table below passes them over at its first lookup, with no compare of
/// a hash that only shares six bits with a discriminator key's.
const COMMON_KEYS: [&str; 5] = [
    "ToUserName",
    "FromUserName",
    "CreateTime",
    "msgid",
    "send_time",
];

/// A direct table from six bits of a key's hash to its [`DISC_KEYS`] slot (plus
/// one; 0 for none), so most keys are passed over after one lookup. The bits
/// are the lowest run of six at which the hashes all differ and none of
/// [`COMMON_KEYS`] falls on a slot.
const DISC_TABLE: (u32, [u8; 64]) = {
    let mut shift = 0;
    loop {
        let mut table = [0u8; 64];
        let mut clash = false;
        let mut i = 0;
        while i < DISC_HASHES.len() {
            let at = ((DISC_HASHES[i] >> shift) & 63) as usize;
            if table[at] != 0 {
                clash = true;
            }
            table[at] = i as u8 + 1;
            i += 1;
        }
        let mut k = 0;
        while k < COMMON_KEYS.len() {
            let at = ((key_hash(COMMON_KEYS[k]) >> shift) & 63) as usize;
            if table[at] != 0 {
                clash = true;
            }
            k += 1;
        }
        if !clash {
            break (shift, table);
        }
        // A compile-time error should the keys or the hash ever change so
        // that no six bits tell them apart.
        assert!(
            shift < 58,
            "no six hash bits tell the discriminator keys apart and from the common keys"
        );
        shift += 1;
    }
};

/// The [`DISC_KEYS`] slot of a key with this hash, when it may be one (the
/// caller compares the key itself).
#[inline(always)]
pub fn disc_slot(hash: u64) -> Option<usize> {
    let (shift, table) = &DISC_TABLE;
    let slot = usize::from(table[((hash >> shift) & 63) as usize]).checked_sub(1)?;
    (DISC_HASHES.get(slot) == Some(&hash)).then_some(slot)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog;

    #[test]
    fn the_disc_table_finds_each_discriminator_key_and_no_other_key() {
        for (slot, key) in DISC_KEYS.iter().enumerate() {
            assert_eq!(disc_slot(key_hash(key)), Some(slot), "{key}");
        }
        // The common keys are passed over at the first lookup.
        let (shift, table) = &DISC_TABLE;
        for key in COMMON_KEYS {
            assert_eq!(table[((key_hash(key) >> shift) & 63) as usize], 0, "{key}");
        }
        for t in catalog::all_types() {
            for f in t.all_fields() {
                let want = DISC_KEYS.iter().position(|k| *k == f.name);
                assert_eq!(disc_slot(key_hash(f.name)), want, "{}", f.name);
            }
        }
        for other in ["", "x", "msgType", "MsgTypes", "event", "errMsg"] {
            assert_eq!(disc_slot(key_hash(other)), None, "{other}");
        }
    }
}
