//! The stat shortcut of the result cache (git's index does the same, with
//! the same "racy timestamp" rule): for each file whose bytes went into a
//! key, a record of its stat (size, modification and change times in
//! nanoseconds, inode, device) next to the hash of its bytes, so that a
//! later run can take an unchanged file at its hash without reading it.
//!
//! A record is trusted only when the file's stat is exactly the recorded
//! one and the file last changed (modification or change time) more than
//! [`MARGIN_NS`] before the record was taken. Without that margin a file
//! written again in the same timestamp tick as the run that recorded it
//! (coarse file-system clocks, up to 2 s on FAT) would keep its stale hash.
//! A file changed since is caught by its stat: writing its bytes moves its
//! change time even when its size and modification time are put back.
//!
//! Records are kept in a compact binary form ([`encode`]: numbers as
//! little-endian bytes; parsing them as decimal text was most of a cached
//! run's reading of its entries): a cache entry holds its directory's
//! beside its outcomes, under the entry's checksum; a stamps file
//! ([`store`]: the binary's own record) under one of its own. Short or
//! garbled records are ignored (every file is read, as without them).

use foldhash::{HashMap, HashMapExt};
use std::path::Path;

/// How long before a record was taken a file must have last changed for
/// its record to be trusted.
pub const MARGIN_NS: i64 = 2_000_000_000;

/// The first line of every stamps file.
const FORMAT: &str = "gofix-leaks-stamps 2";

/// What a stat says about a file's bytes without reading them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FileStat {
    pub size: u64,
    pub mtime_ns: i64,
    pub ctime_ns: i64,
    pub ino: u64,
    pub dev: u64,
}

impl FileStat {
    /// The stat of the regular file `path` (through links, as a read
    /// goes); None for anything else, or where there is no inode and
    /// change time to compare (then the file is always read).
    pub fn of(path: &Path) -> Option<FileStat> {
        FileStat::of_metadata(&std::fs::metadata(path).ok()?)
    }

    /// [`FileStat::of`] from metadata already read.
    pub fn of_metadata(m: &std::fs::Metadata) -> Option<FileStat> {
        m.is_file().then_some(())?;
        FileStat::of_entry(m)
    }

    /// The stat of any entry, a directory too (whose times move when its
    /// entries change: `files::walkindex`).
    #[cfg(unix)]
    pub fn of_entry(m: &std::fs::Metadata) -> Option<FileStat> {
        use std::os::unix::fs::MetadataExt;
        let ns = |s: i64, n: i64| s.checked_mul(1_000_000_000)?.checked_add(n);
        Some(FileStat {
            size: m.size(),
            mtime_ns: ns(m.mtime(), m.mtime_nsec())?,
            ctime_ns: ns(m.ctime(), m.ctime_nsec())?,
            ino: m.ino(),
            dev: m.dev(),
        })
    }

    #[cfg(not(unix))]
    pub fn of_entry(_m: &std::fs::Metadata) -> Option<FileStat> {
        None
    }

    /// The stat as the walk's index (`files::walkindex`), which is text,
    /// holds it: five numbers, tab-separated.
    pub fn fields(&self) -> String {
        let s = self;
        format!(
            "{}\t{}\t{}\t{}\t{}",
            s.size, s.mtime_ns, s.ctime_ns, s.ino, s.dev
        )
    }

    /// [`FileStat::fields`] read back from the next five of `f`.
    pub fn from_fields<'a>(f: &mut impl Iterator<Item = &'a str>) -> Option<FileStat> {
        let mut next = || f.next();
        Some(FileStat {
            size: next()?.parse().ok()?,
            mtime_ns: next()?.parse().ok()?,
            ctime_ns: next()?.parse().ok()?,
            ino: next()?.parse().ok()?,
            dev: next()?.parse().ok()?,
        })
    }
}

/// The clock, in nanoseconds since the epoch, as records are stamped.
pub fn now_ns() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos().try_into().unwrap_or(i64::MAX))
}

/// The racy rule: whether an entry whose stat is `st` last changed
/// (modification or change time) more than [`MARGIN_NS`] before `taken_ns`,
/// so that a record of that stat taken then may stand for it.
pub fn settled(st: &FileStat, taken_ns: i64) -> bool {
    st.mtime_ns.max(st.ctime_ns) < taken_ns.saturating_sub(MARGIN_NS)
}

/// One file's record: its name (in its directory), stat and bytes' hash.
pub type Record = (String, FileStat, u128);

/// A directory's records, as loaded.
#[derive(Default)]
pub struct Stamps {
    taken_ns: i64,
    files: HashMap<String, (FileStat, u128)>,
}

impl Stamps {
    /// The records at `path`; none when it is missing or cannot be trusted.
    pub fn load(path: &Path) -> Stamps {
        std::fs::read(path)
            .ok()
            .and_then(|b| parse(&b))
            .unwrap_or_default()
    }

    /// The hash of the file `name` whose stat is now `stat`, when its
    /// record may stand for reading it (the racy rule above).
    pub fn known(&self, name: &str, stat: &FileStat) -> Option<u128> {
        let (recorded, hash) = self.files.get(name)?;
        (recorded == stat && settled(stat, self.taken_ns)).then_some(*hash)
    }

    /// When the records were taken.
    pub fn taken_ns(&self) -> i64 {
        self.taken_ns
    }
}

/// Writes `records`, taken at `taken_ns` (a time read before the files
/// were stat'ed), as the stamps file `path`.
pub fn store(path: &Path, taken_ns: i64, records: &[Record]) -> anyhow::Result<()> {
    let bytes = crate::files::write::sealed(FORMAT, &encode(taken_ns, records));
    crate::files::write::overwrite_checked(path, &bytes)
}

/// `records`, taken at `taken_ns`: what a stamps file holds after its
/// checksum, and a cache entry beside its outcomes. The time, then per
/// record its name's length (two bytes) and name, the five numbers of its
/// stat and its hash, all little-endian.
pub fn encode(taken_ns: i64, records: &[Record]) -> Vec<u8> {
    let mut body = taken_ns.to_le_bytes().to_vec();
    for (name, s, hash) in records {
        let Ok(len) = u16::try_from(name.len()) else {
            continue;
        };
        body.extend_from_slice(&len.to_le_bytes());
        body.extend_from_slice(name.as_bytes());
        for n in [s.size, s.mtime_ns as u64, s.ctime_ns as u64, s.ino, s.dev] {
            body.extend_from_slice(&n.to_le_bytes());
        }
        body.extend_from_slice(&hash.to_le_bytes());
    }
    body
}

fn parse(bytes: &[u8]) -> Option<Stamps> {
    decode(crate::files::write::unsealed(FORMAT, bytes)?)
}

/// What [`encode`] wrote; None when it is not that (the caller checked
/// its bytes against a checksum: this is a shape check, not a trust one).
pub fn decode(body: &[u8]) -> Option<Stamps> {
    let (taken, mut rest) = body.split_first_chunk::<8>()?;
    let mut files = HashMap::new();
    // Records to the last byte: a part of one is no record.
    while !rest.is_empty() {
        let (len, after) = rest.split_first_chunk::<2>()?;
        let (name, after) = after.split_at_checked(u16::from_le_bytes(*len).into())?;
        let (fixed, after) = after.split_first_chunk::<56>()?;
        rest = after;
        let n =
            |i: usize| u64::from_le_bytes(fixed[i * 8..i * 8 + 8].try_into().unwrap_or_default());
        let stat = FileStat {
            size: n(0),
            mtime_ns: n(1) as i64,
            ctime_ns: n(2) as i64,
            ino: n(3),
            dev: n(4),
        };
        let hash = u128::from_le_bytes(fixed[40..].try_into().ok()?);
        let name = std::str::from_utf8(name).ok()?.to_string();
        files.insert(name, (stat, hash));
    }
    Some(Stamps {
        taken_ns: i64::from_le_bytes(*taken),
        files,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stat(mtime_ns: i64, ctime_ns: i64) -> FileStat {
        FileStat {
            size: 10,
            mtime_ns,
            ctime_ns,
            ino: 7,
            dev: 1,
        }
    }

    fn stamps(taken_ns: i64, s: FileStat) -> Stamps {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s");
        store(&path, taken_ns, &[("a.go".into(), s, 42)]).unwrap();
        Stamps::load(&path)
    }

    #[test]
    fn an_exact_settled_stat_stands_for_the_read() {
        let s = stat(1_000_000_000, 1_500_000_000);
        assert_eq!(stamps(10_000_000_000, s).known("a.go", &s), Some(42));
        assert_eq!(stamps(10_000_000_000, s).known("b.go", &s), None);
    }

    #[test]
    fn any_other_stat_is_read() {
        let s = stat(1_000_000_000, 1_500_000_000);
        let st = stamps(10_000_000_000, s);
        for other in [
            FileStat { size: 11, ..s },
            FileStat {
                ctime_ns: s.ctime_ns + 1,
                ..s
            },
            FileStat {
                mtime_ns: s.mtime_ns - 1,
                ..s
            },
            FileStat { ino: 8, ..s },
            FileStat { dev: 2, ..s },
        ] {
            assert_eq!(st.known("a.go", &other), None, "{other:?}");
        }
    }

    #[test]
    fn a_file_changed_within_the_margin_of_the_record_is_read() {
        let taken = 10_000_000_000;
        // Modified, or changed, less than MARGIN_NS before the record.
        let racy = [
            stat(taken - MARGIN_NS, 0),
            stat(0, taken - 1),
            stat(taken + 1, 0),
        ];
        for s in racy {
            assert_eq!(stamps(taken, s).known("a.go", &s), None, "{s:?}");
        }
        let s = stat(taken - MARGIN_NS - 1, 0);
        assert_eq!(stamps(taken, s).known("a.go", &s), Some(42));
    }

    /// What `encode` writes, `decode` reads back, at the ends of every
    /// field's range; a body cut anywhere but between records, or with a
    /// byte more, is refused.
    #[test]
    fn records_read_back_as_written() {
        let odd = FileStat {
            size: u64::MAX,
            ino: 0,
            dev: u64::MAX,
            ..stat(0, 0)
        };
        let records: Vec<Record> = vec![
            ("a.go".into(), stat(-1_500_000_000, i64::MAX), u128::MAX),
            ("b\tc\n.go".into(), stat(i64::MIN, 0), 1),
            ("é.go".into(), odd, 1 << 64),
            (String::new(), stat(5, 6), 0),
        ];
        let body = encode(7, &records);
        let back = decode(&body).unwrap();
        assert_eq!(back.taken_ns(), 7);
        assert_eq!(back.files.len(), records.len());
        for (name, st, hash) in &records {
            assert_eq!(back.files.get(name), Some(&(*st, *hash)), "{name:?}");
        }
        let mut ends = vec![8];
        for (name, ..) in &records {
            ends.push(ends.last().unwrap() + 2 + name.len() + 56);
        }
        assert_eq!(*ends.last().unwrap(), body.len());
        for cut in 0..body.len() {
            let got = decode(&body[..cut]).map(|s| s.files.len());
            let want = ends.iter().position(|&e| e == cut);
            assert_eq!(got, want, "cut at {cut}");
        }
        let mut longer = body.clone();
        longer.push(0);
        assert!(decode(&longer).is_none());
    }

    #[test]
    fn a_garbled_file_is_no_record() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s");
        let s = stat(1, 1);
        store(&path, 10_000_000_000, &[("a.go".into(), s, 42)]).unwrap();
        let mut bytes = std::fs::read(&path).unwrap();
        let last = bytes.len() - 2;
        bytes[last] = if bytes[last] == b'1' { b'2' } else { b'1' };
        std::fs::write(&path, &bytes).unwrap();
        assert_eq!(Stamps::load(&path).known("a.go", &s), None);
        std::fs::write(&path, &bytes[..bytes.len() / 2]).unwrap();
        assert_eq!(Stamps::load(&path).known("a.go", &s), None);
    }
}
