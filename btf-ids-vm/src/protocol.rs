//! The lines the guest prints on the console and the host reads back.
//!
//! Every line starts with [`PREFIX`]; the kernel's own console messages and
//! anything else are ignored. In order:
//!
//! ```text
//! BTFIDS-VM plan 3
//! BTFIDS-VM ok rsk/load
//! BTFIDS-VM FAIL rsk/btf: no /sys/kernel/btf/rsk | kernel log: ...
//! BTFIDS-VM note an extra module with no cases: doc_kfunc.ko
//! BTFIDS-VM ok rsk/unload
//! BTFIDS-VM done
//! ```
//!
//! A case name has no spaces and no `:`; a reason is one line (the guest's
//! [`Line::render`] joins the lines of a verifier log with `" | "`).
//! [`Tally`] collects a run's lines and says what went wrong.

use std::collections::BTreeSet;
use std::fmt;

/// The first word of every protocol line.
pub const PREFIX: &str = "BTFIDS-VM";

/// One protocol line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Line {
    /// `plan <n>`: how many cases will be reported.
    Plan(usize),
    /// `ok <case>`.
    Ok(String),
    /// `FAIL <case>: <why>`.
    Fail {
        /// The case.
        case: String,
        /// Why it failed, on one line.
        why: String,
    },
    /// `note <text>`: information that is neither a pass nor a failure.
    Note(String),
    /// `done`: the guest finished every case (it powers off next).
    Done,
}

/// Makes `s` one line: line breaks become `" | "`, other control
/// characters spaces.
pub fn one_line(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for (i, l) in s.lines().map(str::trim_end).enumerate() {
        if i > 0 {
            out.push_str(" | ");
        }
        out.extend(l.chars().map(|c| if c.is_control() { ' ' } else { c }));
    }
    out
}

/// Makes `s` a valid case name: spaces and `:` become `_`, an empty name
/// `?`.
fn case_name(s: &str) -> String {
    if s.is_empty() {
        return "?".into();
    }
    s.chars()
        .map(|c| {
            if c.is_whitespace() || c == ':' || c.is_control() {
                '_'
            } else {
                c
            }
        })
        .collect()
}

impl Line {
    /// The line as the guest prints it (without the newline).
    ///
    /// ```
    /// use btf_ids_vm::protocol::Line;
    /// let l = Line::Fail { case: "rsk/obj".into(), why: "refused\nUnreleased reference".into() };
    /// assert_eq!(l.render(), "BTFIDS-VM FAIL rsk/obj: refused | Unreleased reference");
    /// ```
    pub fn render(&self) -> String {
        match self {
            Line::Plan(n) => format!("{PREFIX} plan {n}"),
            Line::Ok(case) => format!("{PREFIX} ok {}", case_name(case)),
            Line::Fail { case, why } => {
                format!("{PREFIX} FAIL {}: {}", case_name(case), one_line(why))
            }
            Line::Note(text) => format!("{PREFIX} note {}", one_line(text)),
            Line::Done => format!("{PREFIX} done"),
        }
    }

    /// Reads a protocol line out of a console line: the prefix may follow
    /// other output on the same line (a kernel message that was not ended
    /// with a newline) and a trailing `\r` is dropped. `None` for lines that
    /// are not protocol lines; `Some(Err)` for a line with the prefix that
    /// does not parse.
    ///
    /// ```
    /// use btf_ids_vm::protocol::Line;
    /// assert_eq!(Line::parse("BTFIDS-VM plan 4\r"), Some(Ok(Line::Plan(4))));
    /// assert_eq!(Line::parse("[    2.1] rsk: loading"), None);
    /// assert!(Line::parse("BTFIDS-VM plan four").unwrap().is_err());
    /// ```
    pub fn parse(console: &str) -> Option<Result<Line, String>> {
        let console = console.trim_end_matches(['\r', '\n']);
        let at = find_prefix(console)?;
        let rest = &console[at + PREFIX.len() + 1..];
        let bad = || Err(format!("malformed protocol line: {console:?}"));
        let (word, arg) = rest.split_once(' ').unwrap_or((rest, ""));
        Some(match word {
            "plan" => match arg.trim().parse() {
                Ok(n) => Ok(Line::Plan(n)),
                Err(_) => bad(),
            },
            "ok" if !arg.trim().is_empty() && !arg.trim().contains(' ') => {
                Ok(Line::Ok(arg.trim().to_string()))
            }
            "FAIL" => match arg.split_once(':') {
                Some((case, why)) if !case.is_empty() && !case.contains(' ') => Ok(Line::Fail {
                    case: case.to_string(),
                    why: why.trim().to_string(),
                }),
                _ => bad(),
            },
            "note" => Ok(Line::Note(arg.to_string())),
            "done" if arg.trim().is_empty() => Ok(Line::Done),
            _ => bad(),
        })
    }
}

/// Where `PREFIX ` starts in `s`. Anything may stand before it: on the
/// serial console the first line follows the firmware's and the boot
/// loader's output and terminal escapes with no line break.
fn find_prefix(s: &str) -> Option<usize> {
    s.find(&format!("{PREFIX} "))
}

impl fmt::Display for Line {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.render())
    }
}

/// The protocol lines of one run, and what they add up to.
///
/// ```
/// use btf_ids_vm::protocol::Tally;
/// let mut t = Tally::default();
/// for l in ["BTFIDS-VM plan 2", "BTFIDS-VM ok a", "BTFIDS-VM FAIL b: no", "BTFIDS-VM done"] {
///     t.feed_console(l);
/// }
/// assert_eq!(t.problems(), ["b: no"]);
/// ```
#[derive(Debug, Default, Clone)]
pub struct Tally {
    /// The plan, once read.
    pub plan: Option<usize>,
    /// Cases reported ok, in order.
    pub passed: Vec<String>,
    /// Cases reported failed, with their reasons, in order.
    pub failed: Vec<(String, String)>,
    /// The notes.
    pub notes: Vec<String>,
    /// Whether `done` was read.
    pub done: bool,
    /// Protocol errors: malformed lines, a second plan, a case reported
    /// twice, lines after `done`.
    pub errors: Vec<String>,
    seen: BTreeSet<String>,
}

impl Tally {
    /// Reads one console line; returns the protocol line it held, if any.
    pub fn feed_console(&mut self, console: &str) -> Option<Line> {
        match Line::parse(console)? {
            Ok(line) => {
                self.feed(line.clone());
                Some(line)
            }
            Err(e) => {
                self.errors.push(e);
                None
            }
        }
    }

    /// Records one protocol line.
    pub fn feed(&mut self, line: Line) {
        if self.done {
            self.errors.push(format!("a line after `done`: {line}"));
            return;
        }
        let mut case_seen = |case: &str, errors: &mut Vec<String>| {
            if !self.seen.insert(case.to_string()) {
                errors.push(format!("case {case} reported twice"));
            }
        };
        match line {
            Line::Plan(n) => {
                if self.plan.is_some() {
                    self.errors.push(format!("a second plan ({n})"));
                } else {
                    self.plan = Some(n);
                }
            }
            Line::Ok(case) => {
                case_seen(&case, &mut self.errors);
                self.passed.push(case);
            }
            Line::Fail { case, why } => {
                case_seen(&case, &mut self.errors);
                self.failed.push((case, why));
            }
            Line::Note(text) => self.notes.push(text),
            Line::Done => self.done = true,
        }
    }

    /// How many cases were reported, passed or failed.
    pub fn reported(&self) -> usize {
        self.passed.len() + self.failed.len()
    }

    /// Everything wrong with the run, one message each: every failed case
    /// (`case: why`), then protocol errors, a missing plan, a missing
    /// `done`, a count that differs from the plan. Empty for a good run.
    pub fn problems(&self) -> Vec<String> {
        let mut out: Vec<String> = self
            .failed
            .iter()
            .map(|(case, why)| format!("{case}: {why}"))
            .collect();
        out.extend(self.errors.iter().cloned());
        match self.plan {
            None => out.push(format!("the guest printed no `{PREFIX} plan` line")),
            Some(n) if n != self.reported() => out.push(format!(
                "the plan said {n} cases, {} were reported",
                self.reported()
            )),
            Some(_) => {}
        }
        if !self.done {
            out.push(format!(
                "the guest never printed `{PREFIX} done` (it stopped, panicked, or the kernel did)"
            ));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tally(lines: &[&str]) -> Tally {
        let mut t = Tally::default();
        for l in lines {
            t.feed_console(l);
        }
        t
    }

    #[test]
    fn render_parse_round_trip() {
        let lines = [
            Line::Plan(17),
            Line::Ok("rsk/load".into()),
            Line::Fail {
                case: "rsk/btf".into(),
                why: "no BTF: a | b".into(),
            },
            Line::Note("extra module doc_kfunc.ko".into()),
            Line::Done,
        ];
        for l in lines {
            assert_eq!(Line::parse(&l.render()), Some(Ok(l.clone())), "{l}");
        }
    }

    #[test]
    fn reasons_become_one_line_and_names_lose_separators() {
        let l = Line::Fail {
            case: "a b:c".into(),
            why: "x\r\ny\n\tz".into(),
        };
        assert_eq!(l.render(), "BTFIDS-VM FAIL a_b_c: x | y |  z");
        // A reason may itself hold colons.
        assert_eq!(
            Line::parse("BTFIDS-VM FAIL rsk/obj: R0 invalid mem access 'ptr_or_null_': 3"),
            Some(Ok(Line::Fail {
                case: "rsk/obj".into(),
                why: "R0 invalid mem access 'ptr_or_null_': 3".into()
            }))
        );
    }

    #[test]
    fn prefix_inside_console_noise() {
        assert_eq!(
            Line::parse("[    1.9] random: crng init done\x1b[0mBTFIDS-VM done\r"),
            Some(Ok(Line::Done))
        );
        assert_eq!(
            Line::parse("Probing EDD... ok\x1bc\x1b[?7l\x1b[2JBTFIDS-VM plan 22"),
            Some(Ok(Line::Plan(22)))
        );
        assert_eq!(Line::parse("BTFIDS-VMdone"), None);
        assert_eq!(Line::parse(""), None);
        for bad in [
            "BTFIDS-VM ok",
            "BTFIDS-VM ok two words",
            "BTFIDS-VM FAIL nocolon",
            "BTFIDS-VM FAIL : why",
            "BTFIDS-VM done now",
            "BTFIDS-VM what",
            "BTFIDS-VM plan -1",
        ] {
            assert!(matches!(Line::parse(bad), Some(Err(_))), "{bad}");
        }
    }

    #[test]
    fn a_good_run_has_no_problems() {
        let t = tally(&[
            "Linux version 6.12",
            "BTFIDS-VM plan 2",
            "BTFIDS-VM ok a",
            "[ 2.0] some kernel line",
            "BTFIDS-VM note hello",
            "BTFIDS-VM ok b",
            "BTFIDS-VM done",
            "reboot: Power down",
        ]);
        assert!(t.problems().is_empty(), "{:?}", t.problems());
        assert_eq!(t.passed, ["a", "b"]);
        assert_eq!(t.notes, ["hello"]);
    }

    #[test]
    fn every_failure_is_named() {
        let t = tally(&[
            "BTFIDS-VM plan 3",
            "BTFIDS-VM FAIL a: first",
            "BTFIDS-VM ok b",
            "BTFIDS-VM FAIL c: second",
            "BTFIDS-VM done",
        ]);
        assert_eq!(t.problems(), ["a: first", "c: second"]);
    }

    #[test]
    fn missing_done_plan_and_count_mismatch() {
        let t = tally(&["BTFIDS-VM plan 3", "BTFIDS-VM ok a"]);
        let p = t.problems();
        assert_eq!(p.len(), 2, "{p:?}");
        assert!(p[0].contains("plan said 3 cases, 1 were reported"));
        assert!(p[1].contains("never printed `BTFIDS-VM done`"));

        let t = tally(&["BTFIDS-VM ok a", "BTFIDS-VM done"]);
        assert_eq!(t.problems(), ["the guest printed no `BTFIDS-VM plan` line"]);

        let t = tally(&[
            "BTFIDS-VM plan 1",
            "BTFIDS-VM ok a",
            "BTFIDS-VM ok b",
            "BTFIDS-VM done",
        ]);
        assert_eq!(t.problems(), ["the plan said 1 cases, 2 were reported"]);
    }

    #[test]
    fn protocol_errors() {
        let t = tally(&[
            "BTFIDS-VM plan 2",
            "BTFIDS-VM plan 2",
            "BTFIDS-VM ok a",
            "BTFIDS-VM FAIL a: again",
            "BTFIDS-VM bogus",
            "BTFIDS-VM done",
            "BTFIDS-VM ok late",
        ]);
        let p = t.problems();
        assert_eq!(p[0], "a: again");
        assert!(p[1].contains("second plan"));
        assert!(p[2].contains("reported twice"));
        assert!(p[3].contains("malformed"));
        assert!(p[4].contains("after `done`"));
        assert_eq!(p.len(), 5, "{p:?}");
    }
}
