//! What `/init` does for itself: mounting, the kernel log, powering off.

use std::ffi::CString;

/// Mounts proc, sysfs and devtmpfs (creating the mount points); returns
/// one message per mount that failed (an already mounted one is fine).
pub fn mount_basics() -> Vec<String> {
    let mut errors = Vec::new();
    for (src, target, fstype) in [
        ("proc", "/proc", "proc"),
        ("sysfs", "/sys", "sysfs"),
        ("devtmpfs", "/dev", "devtmpfs"),
    ] {
        let _ = std::fs::create_dir_all(target);
        let c = |s: &str| CString::new(s).expect("no NUL");
        let (csrc, ctarget, cfs) = (c(src), c(target), c(fstype));
        // SAFETY: the three strings are NUL-terminated and outlive the call;
        // data is null, which every one of these file systems accepts.
        let ret = unsafe {
            libc::mount(
                csrc.as_ptr(),
                ctarget.as_ptr(),
                cfs.as_ptr(),
                0,
                std::ptr::null(),
            )
        };
        if ret != 0 {
            let e = std::io::Error::last_os_error();
            if e.raw_os_error() != Some(libc::EBUSY) {
                errors.push(format!("mount {fstype} on {target}: {e}"));
            }
        }
    }
    errors
}

/// One record of the kernel log, as `/dev/kmsg` gives it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KmsgRecord {
    /// The record's sequence number (grows by one per record).
    pub seq: u64,
    /// The log level (`KERN_INFO` is 6, `KERN_WARNING` 4).
    pub level: u8,
    /// The message, without the newline.
    pub text: String,
}

impl KmsgRecord {
    /// Parses one `/dev/kmsg` read: `prio,seq,usec,flags[,...];text`
    /// followed by optional ` KEY=value` lines.
    ///
    /// ```
    /// use btf_ids_vm_guest::sys::KmsgRecord;
    /// let r = KmsgRecord::parse("6,339,5140900,-;rsk: register SYSCALL = 0\n SUBSYSTEM=x\n").unwrap();
    /// assert_eq!((r.seq, r.level, r.text.as_str()), (339, 6, "rsk: register SYSCALL = 0"));
    /// ```
    pub fn parse(record: &str) -> Option<KmsgRecord> {
        let (head, rest) = record.split_once(';')?;
        let mut fields = head.split(',');
        let prio: u32 = fields.next()?.parse().ok()?;
        let seq = fields.next()?.parse().ok()?;
        let text = rest.split('\n').next().unwrap_or("").to_string();
        Some(KmsgRecord {
            seq,
            level: (prio & 7) as u8,
            text,
        })
    }
}

/// Every record still in the kernel log, oldest first (read from
/// `/dev/kmsg` without blocking; records overwritten while reading are
/// skipped).
pub fn kernel_log() -> Vec<KmsgRecord> {
    use std::io::Read;
    use std::os::unix::fs::OpenOptionsExt;
    let mut out = Vec::new();
    let Ok(mut kmsg) = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK)
        .open("/dev/kmsg")
    else {
        return out;
    };
    // One read returns one record; a record is at most about 8 KiB.
    let mut buf = vec![0u8; 16 << 10];
    loop {
        match kmsg.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => {
                if let Some(r) = KmsgRecord::parse(&String::from_utf8_lossy(&buf[..n])) {
                    out.push(r);
                }
            }
            // EPIPE: records were overwritten; the next read goes on.
            Err(e) if e.raw_os_error() == Some(libc::EPIPE) => continue,
            Err(_) => break,
        }
    }
    out
}

/// The sequence number the next kernel log record will have.
pub fn kernel_log_next_seq() -> u64 {
    kernel_log().last().map_or(0, |r| r.seq + 1)
}

/// The kernel log records from sequence number `from` on.
pub fn kernel_log_since(from: u64) -> Vec<KmsgRecord> {
    kernel_log().into_iter().filter(|r| r.seq >= from).collect()
}

/// The last `max` of `records` whose text contains `needle` (ignoring
/// case), as `<level>text` joined with `" | "`, or `none`.
pub fn grep_log(records: &[KmsgRecord], needle: &str, max: usize) -> String {
    let needle = needle.to_lowercase();
    let lines: Vec<String> = records
        .iter()
        .filter(|r| r.text.to_lowercase().contains(&needle))
        .map(|r| format!("<{}>{}", r.level, r.text))
        .collect();
    if lines.is_empty() {
        return "none".into();
    }
    lines[lines.len().saturating_sub(max)..].join(" | ")
}

/// The seconds since boot, from `/proc/uptime`.
pub fn uptime() -> Option<f64> {
    std::fs::read_to_string("/proc/uptime")
        .ok()?
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}

/// Flushes the file systems and powers the machine off; QEMU then exits.
/// If that fails (not PID 1, or no permission) the process exits.
pub fn power_off() -> ! {
    use std::io::Write;
    let _ = std::io::stdout().flush();
    // SAFETY: sync and reboot take no pointers; RB_POWER_OFF does not
    // return when it succeeds.
    unsafe {
        libc::sync();
        libc::reboot(libc::RB_POWER_OFF);
    }
    std::process::exit(1)
}

/// `CAP_SYS_BOOT`, which the verifier demands for destructive kfuncs.
pub const CAP_SYS_BOOT: u32 = 22;

/// `struct __user_cap_header_struct`.
#[repr(C)]
struct CapHeader {
    version: u32,
    pid: i32,
}

/// `struct __user_cap_data_struct`; version 3 takes two (capabilities 0-31
/// and 32-63).
#[repr(C)]
#[derive(Clone, Copy, Default)]
struct CapData {
    effective: u32,
    permitted: u32,
    inheritable: u32,
}

const LINUX_CAPABILITY_VERSION_3: u32 = 0x2008_0522;

fn capget() -> std::io::Result<[CapData; 2]> {
    let mut hdr = CapHeader {
        version: LINUX_CAPABILITY_VERSION_3,
        pid: 0,
    };
    let mut data = [CapData::default(); 2];
    // SAFETY: hdr and data are the v3 header and its two data structs,
    // live and writable for the call.
    let rc = unsafe { libc::syscall(libc::SYS_capget, &mut hdr, data.as_mut_ptr()) };
    if rc != 0 {
        return Err(std::io::Error::last_os_error());
    }
    Ok(data)
}

fn capset(data: &[CapData; 2]) -> std::io::Result<()> {
    let mut hdr = CapHeader {
        version: LINUX_CAPABILITY_VERSION_3,
        pid: 0,
    };
    // SAFETY: hdr and data are the v3 header and its two data structs,
    // live for the call; the kernel only reads data.
    let rc = unsafe { libc::syscall(libc::SYS_capset, &mut hdr, data.as_ptr()) };
    if rc != 0 {
        return Err(std::io::Error::last_os_error());
    }
    Ok(())
}

/// A capability taken out of the effective set; put back when dropped (it
/// stays permitted, so that is allowed).
pub struct CapDropped {
    saved: [CapData; 2],
}

/// Takes `cap` out of this process's effective capabilities, as a loader
/// without it would run, until the guard is dropped.
pub fn drop_effective_cap(cap: u32) -> Result<CapDropped, String> {
    let saved = capget().map_err(|e| format!("capget: {e}"))?;
    let mut less = saved;
    less[(cap / 32) as usize].effective &= !(1 << (cap % 32));
    capset(&less).map_err(|e| format!("capset without capability {cap}: {e}"))?;
    let now = capget().map_err(|e| format!("capget: {e}"))?;
    if now[(cap / 32) as usize].effective & (1 << (cap % 32)) != 0 {
        return Err(format!("capability {cap} is still effective after capset"));
    }
    Ok(CapDropped { saved })
}

impl Drop for CapDropped {
    fn drop(&mut self) {
        // The guest goes on as root; a failure here shows in the next case
        // that needs the capability.
        let _ = capset(&self.saved);
    }
}
