//! The `btf-ids` command line.

use btf_ids_tool::cmd::{self, BtfSource, ResolveOptions};
use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;

/// Inspect, resolve and check the .BTF_ids section of ELF files.
#[derive(Parser)]
#[command(name = "btf-ids", version, about)]
struct Cli {
    #[command(subcommand)]
    cmd: Cmd,
}

/// Where the BTF comes from, as resolve_btfids takes it.
#[derive(Args)]
struct BtfArgs {
    /// BTF data: raw BTF or an ELF with .BTF (default: the file's own .BTF section).
    #[arg(long)]
    btf: Option<PathBuf>,
    /// Path of file providing base BTF, when the BTF is split BTF.
    #[arg(short = 'b', long = "btf_base", alias = "btf-base")]
    btf_base: Option<PathBuf>,
}

impl From<BtfArgs> for BtfSource {
    fn from(a: BtfArgs) -> BtfSource {
        BtfSource {
            btf: a.btf,
            base: a.btf_base,
        }
    }
}

#[derive(Subcommand)]
enum Cmd {
    /// Show every list, set and set8 in .BTF_ids.
    Inspect {
        /// ELF object or binary.
        file: PathBuf,
        #[command(flatten)]
        src: BtfArgs,
        /// Print JSON (schema: docs/inspect-json.md).
        #[arg(long)]
        json: bool,
    },
    /// Patch BTF ids into .BTF_ids (drop-in for resolve_btfids 6.12).
    Resolve {
        /// ELF object or binary.
        file: PathBuf,
        #[command(flatten)]
        src: BtfArgs,
        /// Be more verbose (repeatable).
        #[arg(short, long, action = clap::ArgAction::Count)]
        verbose: u8,
        /// Unresolved or ambiguous names, or no .BTF_ids, are errors.
        #[arg(long)]
        strict: bool,
        /// Write here instead of in place.
        #[arg(short, long)]
        output: Option<PathBuf>,
        /// Print a JSON report on stdout.
        #[arg(long)]
        json: bool,
        /// Also add bpf_kfunc / bpf_fastcall decl tags to .BTF.
        #[arg(long = "kfunc-tags")]
        kfunc_tags: bool,
        /// Flush the output to disk (fdatasync) before renaming it into
        /// place, and the directory after: the result survives a power
        /// loss. Without it the rename is still atomic, as for ld or
        /// objcopy output.
        #[arg(long)]
        fsync: bool,
        /// The default; kept so that older scripts still run.
        #[arg(long = "no-fsync", hide = true, conflicts_with = "fsync")]
        no_fsync: bool,
    },
    /// Verify a resolved file; non-zero exit on any failure.
    Check {
        /// ELF object or binary.
        file: PathBuf,
        #[command(flatten)]
        src: BtfArgs,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
}

fn fail(e: impl std::fmt::Display) -> ExitCode {
    eprintln!("btf-ids: error: {e}");
    ExitCode::from(1)
}

fn main() -> ExitCode {
    let mut args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    // Installed as `resolve_btfids`, behave like it.
    let is_resolve_btfids = args
        .first()
        .and_then(|a| {
            std::path::Path::new(a)
                .file_name()
                .map(|n| n == "resolve_btfids")
        })
        .unwrap_or(false);
    if is_resolve_btfids {
        args.insert(1, "resolve".into());
    }
    let cli = Cli::parse_from(args);
    match cli.cmd {
        Cmd::Inspect { file, src, json } => {
            let src: BtfSource = src.into();
            match cmd::inspect(&file, &src) {
                Ok(r) if json => {
                    println!("{}", serde_json::to_string_pretty(&r).unwrap_or_default());
                    ExitCode::SUCCESS
                }
                Ok(r) => {
                    print!("{}", cmd::inspect_text(&r));
                    ExitCode::SUCCESS
                }
                Err(e) => fail(e),
            }
        }
        Cmd::Resolve {
            file,
            src,
            verbose,
            strict,
            output,
            json,
            kfunc_tags,
            fsync,
            no_fsync: _,
        } => {
            let opts = ResolveOptions {
                src: src.into(),
                verbose,
                strict,
                output,
                kfunc_tags,
                fsync,
            };
            match cmd::resolve(&file, &opts) {
                Ok(r) => {
                    // Same order as resolve_btfids: duplicates while walking the
                    // BTF, then unresolved names while patching.
                    let mut text = String::new();
                    let first = |d: &&String| d.starts_with("adding") || d.starts_with("Cannot");
                    for d in r.debug.iter().filter(first) {
                        text.push_str(d);
                        text.push('\n');
                    }
                    for w in &r.warnings {
                        text.push_str(w);
                        text.push('\n');
                    }
                    for d in r.debug.iter().filter(|d| !first(d)) {
                        text.push_str(d);
                        text.push('\n');
                    }
                    use std::io::Write;
                    let _ = std::io::stderr().lock().write_all(text.as_bytes());
                    if json {
                        println!("{}", serde_json::to_string_pretty(&r).unwrap_or_default());
                    }
                    ExitCode::SUCCESS
                }
                Err(e) => fail(e),
            }
        }
        Cmd::Check { file, src, json } => {
            let src: BtfSource = src.into();
            match cmd::check(&file, &src) {
                Ok(r) => {
                    if json {
                        println!("{}", serde_json::to_string_pretty(&r).unwrap_or_default());
                    } else {
                        for f in &r.failures {
                            eprintln!("{}: {f}", r.file);
                        }
                        if r.failures.is_empty() {
                            let how = match &r.btf {
                                Some(b) => format!("kinds checked against {b}"),
                                None => "no BTF, kinds not checked".into(),
                            };
                            println!("{}: {} ids ok ({how})", r.file, r.ids);
                        } else {
                            eprintln!("{}: {} failure(s)", r.file, r.failures.len());
                        }
                    }
                    if r.failures.is_empty() {
                        ExitCode::SUCCESS
                    } else {
                        ExitCode::from(1)
                    }
                }
                Err(e) => fail(e),
            }
        }
    }
}
