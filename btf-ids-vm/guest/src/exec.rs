//! Running the plans in the guest and reporting one line per case.

use crate::cases::{packet, Expect, Input, ModulePlan, ProgCase, Step};
use crate::ids::{btf_drop_reason, module_funcs, Env, Ids, Vmlinux};
use crate::sys::{grep_log, kernel_log_next_seq, kernel_log_since, KmsgRecord};
use btf_ids_kernel::{btf, module, run, ProgLoad, Verdict};
use btf_ids_vm::protocol::Line;
use std::collections::HashMap;
use std::os::fd::{AsFd, OwnedFd};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;
use std::time::Duration;

/// Where the modules are in the initramfs (the default of
/// [`Runner::module_dir`]).
pub const MODULE_DIR: &str = "/modules";

/// True while a case runs: the panic hook then leaves the report to
/// [`Runner`], which goes on with the next case.
pub static IN_CASE: AtomicBool = AtomicBool::new(false);
/// The message of a panic inside a case, for its FAIL line.
pub static PANIC_MSG: Mutex<Option<String>> = Mutex::new(None);

/// Which cases to run: those whose names contain one of the strings (all
/// when there are none).
#[derive(Debug, Clone, Default)]
pub struct Selection(pub Vec<String>);

impl Selection {
    /// From a comma-separated list (the `BTFIDS_ONLY` environment variable,
    /// which the kernel passes on from its command line).
    pub fn parse(list: &str) -> Self {
        Selection(
            list.split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(String::from)
                .collect(),
        )
    }

    /// Whether the case named `case` runs.
    pub fn wants(&self, case: &str) -> bool {
        self.0.is_empty() || self.0.iter().any(|s| case.contains(s.as_str()))
    }
}

/// What a module's steps learned so far.
#[derive(Default)]
struct ModState {
    /// The first kernel log record of the module's load: the module's own
    /// messages are those from here on.
    log_from: u64,
    /// Why the module is not loaded (`None` once it is).
    not_loaded: Option<String>,
    /// Its BTF object fd and FUNC IDs, once found.
    btf: Option<(OwnedFd, HashMap<String, u32>)>,
    /// Why its BTF was not found.
    btf_error: Option<String>,
}

/// Runs the plans and reports through `out`.
pub struct Runner<'a> {
    /// vmlinux's BTF, or why it could not be read.
    pub vmlinux: Result<Vmlinux, String>,
    /// Which cases run.
    pub selection: Selection,
    /// Where the lines go.
    pub out: &'a mut dyn FnMut(Line),
    /// A case that panics on purpose (`BTFIDS_PANIC=<case>`): proves that a
    /// panic becomes that case's FAIL line.
    pub panic_in: Option<String>,
    /// Cases whose whole verifier log is printed as a note
    /// (`BTFIDS_LOG=<case>,...`), to see what the kernel says.
    pub log_for: Selection,
    /// Where `<module>.ko` files are looked for ([`MODULE_DIR`]).
    pub module_dir: String,
    /// The maps and offsets the programs may use.
    pub env: Env,
}

impl Runner<'_> {
    /// Runs every selected case of `plans`: `plan`, one line per case,
    /// notes; the caller prints `done` (after notes of its own). The load,
    /// BTF and unload steps of a module with any selected case run even when
    /// not selected (unreported).
    pub fn run(&mut self, plans: &[ModulePlan]) {
        let selection = self.selection.clone();
        let wanted = |p: &ModulePlan, s: &Step| selection.wants(&p.case_name(s));
        let n: usize = plans
            .iter()
            .map(|p| p.steps.iter().filter(|s| wanted(p, s)).count())
            .sum();
        (self.out)(Line::Plan(n));
        for plan in plans {
            if !plan.steps.iter().any(|s| wanted(plan, s)) {
                continue;
            }
            let mut state = ModState::default();
            for step in &plan.steps {
                let case = plan.case_name(step);
                let report = selection.wants(&case);
                let needed = matches!(step, Step::Load | Step::Btf | Step::Unload);
                if !report && !needed {
                    continue;
                }
                let result = self.step_guarded(plan.module, &case, step, &mut state);
                if report {
                    let line = match result {
                        Ok(None) => Line::Ok(case),
                        Ok(Some(note)) => {
                            (self.out)(Line::Note(format!("{case}: {note}")));
                            Line::Ok(case)
                        }
                        Err(why) => Line::Fail { case, why },
                    };
                    (self.out)(line);
                }
            }
        }
        self.note_extra_modules(plans);
    }

    /// One step, a panic in it turned into its failure. `Ok(Some(note))`
    /// passed, with something worth saying.
    fn step_guarded(
        &mut self,
        m: &str,
        case: &str,
        step: &Step,
        st: &mut ModState,
    ) -> Result<Option<String>, String> {
        IN_CASE.store(true, Ordering::SeqCst);
        let r = catch_unwind(AssertUnwindSafe(|| {
            if self.panic_in.as_deref() == Some(case) {
                panic!("BTFIDS_PANIC={case} asked for a panic here");
            }
            self.step(m, step, st)
        }));
        IN_CASE.store(false, Ordering::SeqCst);
        r.unwrap_or_else(|payload| {
            // The hook's message has the location; the payload is the
            // message alone (all there is under another hook).
            let from_hook = PANIC_MSG.lock().ok().and_then(|mut g| g.take());
            Err(from_hook
                .unwrap_or_else(|| format!("the guest panicked: {}", panic_text(&*payload))))
        })
    }

    fn step(&mut self, m: &str, step: &Step, st: &mut ModState) -> Result<Option<String>, String> {
        if !matches!(step, Step::Load) {
            if let Some(why) = &st.not_loaded {
                return Err(format!("{m} is not loaded: {why}"));
            }
        }
        match step {
            Step::Load => {
                st.log_from = kernel_log_next_seq();
                let r = load(&self.module_dir, m, st.log_from);
                st.not_loaded = r.as_ref().err().cloned();
                r.map(|()| None)
            }
            Step::Btf => {
                let r = self.find_btf(m, st.log_from);
                match r {
                    Ok(found) => {
                        let n = found.1.len();
                        st.btf = Some(found);
                        Ok((n == 0).then(|| "its BTF has no FUNC types".to_string()))
                    }
                    Err(e) => {
                        st.btf_error = Some(e.clone());
                        Err(e)
                    }
                }
            }
            Step::Register(hook) => {
                registered(m, hook, &kernel_log_since(st.log_from)).map(|()| None)
            }
            Step::Prog(case) => self.prog(m, case, st),
            Step::Unload => {
                st.btf = None;
                let pause = Duration::from_millis(50);
                // One try alone first, to name the errno of a busy module.
                let first = match module::delete_module(m, 0, pause) {
                    Ok(_) => return Ok(None),
                    Err(e) => e,
                };
                let busy = matches!(first.raw_os_error(), Some(libc::EBUSY | libc::EAGAIN));
                let first = first.to_string();
                let r = if busy {
                    module::delete_module(m, module::UNLOAD_RETRIES, pause)
                } else {
                    Err(std::io::Error::other(first.clone()))
                };
                st.not_loaded = Some("unloaded".into());
                match r {
                    Ok(n) => Ok(Some(format!(
                        "delete_module said \"{first}\", then retried {n} times 50 ms apart"
                    ))),
                    Err(e) => Err(format!(
                        "delete_module({m}): {e} (after {} tries 50 ms apart)",
                        module::UNLOAD_RETRIES + 2
                    )),
                }
            }
        }
    }

    fn find_btf(&self, m: &str, log_from: u64) -> Result<(OwnedFd, HashMap<String, u32>), String> {
        let vmlinux = self.vmlinux.as_ref().map_err(Clone::clone)?;
        let path = format!("/sys/kernel/btf/{m}");
        if !Path::new(&path).exists() {
            let mut why = format!(
                "no {path}; the kernel's lines on BTF since the load: {}",
                grep_log(&kernel_log_since(log_from), "btf", 10)
            );
            let ko = format!("{}/{m}.ko", self.module_dir);
            if let Some(reason) = std::fs::read(&ko)
                .ok()
                .and_then(|data| btf_drop_reason(vmlinux, &data))
            {
                why.push_str(&format!("; {reason}"));
            }
            return Err(why);
        }
        let funcs = module_funcs(vmlinux, &path)?;
        let fd = btf::find_kernel_btf(m)
            .map_err(|e| format!("walking the BTF objects: {e}"))?
            .ok_or_else(|| format!("{path} exists but no kernel BTF object is named {m}"))?;
        Ok((fd, funcs))
    }

    /// Loads (and runs) one program; a refusal's note is the verifier's
    /// reason.
    fn prog(&self, m: &str, case: &ProgCase, st: &ModState) -> Result<Option<String>, String> {
        let vmlinux = self.vmlinux.as_ref().map_err(Clone::clone)?;
        let vmlinux_ids = |name: &str| vmlinux.funcs.get(name.as_bytes()).copied();
        let (fd, funcs) = match &st.btf {
            Some((fd, funcs)) => (Some(fd.as_fd()), Some(funcs)),
            None => (None, None),
        };
        let ids = Ids::new(funcs, &vmlinux_ids).with_env(self.env);
        let insns = (case.build)(&ids).map_err(|e| match &st.btf_error {
            Some(_) => format!("cannot build the program: {e} (see {m}/btf)"),
            None => format!("cannot build the program: {e}"),
        })?;
        let mut load = ProgLoad::new(case.prog_type, &insns).sleepable(case.sleepable);
        if let Some(fd) = fd {
            load = load.module_btf(fd);
        }
        let verdict = match case.drop_cap {
            Some(cap) => {
                let _dropped = crate::sys::drop_effective_cap(cap)?;
                load.load()
            }
            None => load.load(),
        };
        let full_log = (!self.log_for.0.is_empty()
            && self.log_for.wants(&format!("{m}/{}", case.name)))
        .then(|| {
            format!(
                "errno {}, log: {}",
                verdict.errno,
                verdict.log_tail(usize::MAX)
            )
        });
        let r = self.judge(case, &verdict);
        match full_log {
            Some(log) => r
                .map(|_| Some(log.clone()))
                .map_err(|e| format!("{e}; {log}")),
            None => r,
        }
    }

    fn judge(&self, case: &ProgCase, verdict: &Verdict) -> Result<Option<String>, String> {
        match case.expect {
            Expect::Accept(want) => {
                let Some(prog) = verdict.prog_fd() else {
                    return Err(format!(
                        "refused (errno {}): {}",
                        verdict.errno,
                        verdict.log_tail(6)
                    ));
                };
                let data = packet();
                let input = run::TestRun {
                    data_in: match case.input {
                        Input::None => &[],
                        Input::Packet => &data,
                    },
                    ..Default::default()
                };
                let out =
                    run::test_run(prog, &input).map_err(|e| format!("BPF_PROG_TEST_RUN: {e}"))?;
                if out.retval == want {
                    Ok(None)
                } else {
                    Err(format!("accepted, but returned {}, not {want}", out.retval))
                }
            }
            Expect::RefuseSilently(errno) => {
                let last = verdict.reason().unwrap_or("");
                let at_call = last.split_once(": (85) call ").is_some();
                if verdict.accepted() {
                    Err(format!(
                        "accepted; expected a silent refusal with errno {errno}"
                    ))
                } else if verdict.errno == errno && at_call {
                    Ok(Some(format!(
                        "refused with errno {errno} and no message, at `{last}`"
                    )))
                } else {
                    Err(format!(
                        "refused (errno {}), not silently with errno {errno}: {}",
                        verdict.errno,
                        verdict.log_tail(6)
                    ))
                }
            }
            Expect::Refuse(reason) => {
                if verdict.accepted() {
                    Err(format!("accepted; expected a refusal with \"{reason}\""))
                } else if let Some(line) = verdict.log.lines().find(|l| l.contains(reason)) {
                    let line = line.trim();
                    Ok(Some(match verdict.reason() {
                        Some(last) if last != line => format!("refused: {line} (then: {last})"),
                        _ => format!("refused: {line}"),
                    }))
                } else {
                    Err(format!(
                        "refused (errno {}) but the log lacks \"{reason}\": {}",
                        verdict.errno,
                        verdict.log_tail(6)
                    ))
                }
            }
        }
    }

    fn note_extra_modules(&mut self, plans: &[ModulePlan]) {
        let Ok(dir) = std::fs::read_dir(&self.module_dir) else {
            return;
        };
        let mut extra: Vec<String> = dir
            .filter_map(|e| e.ok()?.file_name().into_string().ok())
            .filter(|n| !plans.iter().any(|p| *n == format!("{}.ko", p.module)))
            .collect();
        extra.sort();
        for n in extra {
            (self.out)(Line::Note(format!("{}/{n} has no cases", self.module_dir)));
        }
    }
}

/// The message of a panic payload.
pub fn panic_text(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "(no message)".into())
}

/// `finit_module` of `/modules/<m>.ko`; on failure, the kernel's lines from
/// `log_from` on.
fn load(dir: &str, m: &str, log_from: u64) -> Result<(), String> {
    let path = format!("{dir}/{m}.ko");
    let file = match std::fs::File::open(&path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(format!(
                "{path} is not in the initramfs (give {m}.ko to btf-ids-vm)"
            ))
        }
        Err(e) => return Err(format!("cannot open {path}: {e}")),
    };
    module::finit_module(&file, c"", 0).map_err(|e| {
        let log: Vec<String> = kernel_log_since(log_from)
            .iter()
            .map(|r| format!("<{}>{}", r.level, r.text))
            .collect();
        format!(
            "finit_module({path}): {e}; the kernel said: {}",
            log.join(" | ")
        )
    })
}

/// What the kernel prints when it drops a module's kfunc set for want of
/// module BTF (`register_btf_kfunc_id_set` still returns 0 on Debian).
pub const MISSING_BTF: &str = "missing module BTF";

/// The return code in the module's `<m>: register <hook> = <rc>` printk
/// (the last one in `log`), `None` when there is none.
pub fn register_rc<'l>(log: &'l [KmsgRecord], m: &str, hook: &str) -> Option<&'l str> {
    let needle = format!("{m}: register {hook} = ");
    log.iter()
        .filter_map(|r| Some(r.text.strip_prefix(&needle)?.trim()))
        .next_back()
}

/// The module printed a zero return code of `register_btf_kfunc_id_set`
/// for `hook`, and the kernel did not say, during its load (`log`), that it
/// dropped a kfunc set.
fn registered(m: &str, hook: &str, log: &[KmsgRecord]) -> Result<(), String> {
    let dropped = grep_log(log, MISSING_BTF, 4);
    match register_rc(log, m, hook) {
        Some("0") if dropped == "none" => Ok(()),
        Some("0") => Err(format!(
            "the module printed `{m}: register {hook} = 0`, but the kernel registered nothing: {dropped}"
        )),
        Some(rc) => Err(format!(
            "the module printed `{m}: register {hook} = {rc}`; the kernel's lines on BTF: {}",
            grep_log(log, "btf", 6)
        )),
        None => Err(format!(
            "no `{m}: register {hook} = <rc>` line in the kernel log since the load; the lines naming {m}: {}",
            grep_log(log, m, 8)
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn selection() {
        let all = Selection::parse("");
        assert!(all.wants("rsk/add"));
        let some = Selection::parse("rsk/add, rsk_shim/");
        assert!(some.wants("rsk/add"));
        assert!(some.wants("rsk_shim/load"));
        assert!(!some.wants("rsk/obj"));
    }

    fn rec(seq: u64, text: &str) -> KmsgRecord {
        KmsgRecord {
            seq,
            level: 6,
            text: text.into(),
        }
    }

    #[test]
    fn register_lines() {
        let log = [
            rec(1, "rsk_shim: register SYSCALL = -22"),
            rec(2, "rsk: register SYSCALL = 0"),
            rec(3, "rsk: register SCHED_CLS = -17"),
            rec(4, "xrsk: register SCHED_CLS = 0"),
        ];
        assert_eq!(register_rc(&log, "rsk", "SYSCALL"), Some("0"));
        assert_eq!(register_rc(&log, "rsk", "SCHED_CLS"), Some("-17"));
        assert_eq!(register_rc(&log, "rsk_shim", "SYSCALL"), Some("-22"));
        assert_eq!(register_rc(&log, "rsk_shim", "SCHED_CLS"), None);
        assert_eq!(registered("rsk", "SYSCALL", &log), Ok(()));
        assert!(registered("rsk", "SCHED_CLS", &log)
            .unwrap_err()
            .contains("= -17"));
        assert!(registered("rsk_shim", "SCHED_CLS", &log)
            .unwrap_err()
            .contains("no `rsk_shim"));
    }

    /// Debian's kernel returns 0 and registers nothing when the module has
    /// no BTF; the case sees through it.
    #[test]
    fn a_zero_without_module_btf_is_a_failure() {
        let log = [
            rec(7, "missing module BTF, cannot register kfunc"),
            rec(8, "rsk: register SYSCALL = 0"),
        ];
        let e = registered("rsk", "SYSCALL", &log).unwrap_err();
        assert!(
            e.contains("registered nothing: <6>missing module BTF"),
            "{e}"
        );
    }

    /// Without modules or BTF every case fails, each with its reason, and
    /// the plan still adds up.
    #[test]
    fn absent_modules_fail_every_case() {
        let plans = crate::cases::plans();
        let mut lines = Vec::new();
        let mut out = |l: Line| lines.push(l);
        let mut r = Runner {
            vmlinux: Err("no vmlinux".into()),
            selection: Selection::parse("rsk_shim/"),
            out: &mut out,
            panic_in: Some("rsk_shim/btf".into()),
            log_for: Selection::default(),
            // Never a real module on the host.
            module_dir: "/nonexistent/btf-ids-vm-test".into(),
            env: Env::default(),
        };
        r.run(&plans);
        let Line::Plan(n) = lines[0] else { panic!() };
        assert_eq!(n, 6);
        let fails: Vec<&Line> = lines
            .iter()
            .filter(|l| matches!(l, Line::Fail { .. }))
            .collect();
        assert_eq!(fails.len(), 6, "{lines:?}");
        let Line::Fail { why, .. } = fails[0] else {
            panic!()
        };
        assert!(
            why.contains("/rsk_shim.ko is not in the initramfs"),
            "{why}"
        );
        let Line::Fail { why, .. } = fails[1] else {
            panic!()
        };
        assert!(
            why.contains("BTFIDS_PANIC=rsk_shim/btf asked for a panic"),
            "{why}"
        );
        let Line::Fail { why, .. } = fails[5] else {
            panic!()
        };
        assert!(why.contains("not loaded"), "{why}");
        assert!(!lines.contains(&Line::Done));
    }
}
