//! Set lookup: `BtfIdSet::contains` and `BtfIdSet8::get` against the kernel's
//! way (a C `bsearch()` with a compare callback, built by `build.rs`), on the
//! same memory, for sets of 8 to 4,096 IDs.
//!
//! One iteration looks up a batch of [`BATCH`] precomputed pseudo-random keys
//! (all hits, all misses, or half and half at random), so the branch
//! predictor cannot learn the path of one key. Run with
//! `cargo bench -p btf-ids-bench --bench set_lookup`.

use btf_ids_bench::{c_set8_get, c_set_contains, make_set, make_set8, probes, Probe};
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use std::hint::black_box;
use std::time::Duration;

/// Lookups per iteration.
const BATCH: usize = 1024;

fn lookup<const N: usize>(c: &mut Criterion) {
    let set = make_set::<N>(N as u64);
    let set8 = make_set8::<N>(N as u64);
    for probe in Probe::ALL {
        let keys = probes(set.ids(), probe, BATCH, 0x1234 + N as u64);

        let mut g = c.benchmark_group(format!("set/{}", probe.name()));
        g.throughput(Throughput::Elements(BATCH as u64));
        g.bench_with_input(BenchmarkId::new("rust", N), &keys, |b, keys| {
            b.iter(|| {
                let set = black_box(&*set);
                let mut found = 0u32;
                for &k in keys {
                    found += u32::from(set.contains(black_box(k)));
                }
                found
            })
        });
        g.bench_with_input(BenchmarkId::new("c", N), &keys, |b, keys| {
            b.iter(|| {
                let set = black_box(&*set);
                let mut found = 0u32;
                for &k in keys {
                    found += u32::from(c_set_contains(set, black_box(k)));
                }
                found
            })
        });
        g.finish();

        let mut g = c.benchmark_group(format!("set8/{}", probe.name()));
        g.throughput(Throughput::Elements(BATCH as u64));
        g.bench_with_input(BenchmarkId::new("rust", N), &keys, |b, keys| {
            b.iter(|| {
                let set8 = black_box(&*set8);
                let mut flags = 0u32;
                for &k in keys {
                    flags ^= set8.get(black_box(k)).unwrap_or(0x8000_0000);
                }
                flags
            })
        });
        g.bench_with_input(BenchmarkId::new("c", N), &keys, |b, keys| {
            b.iter(|| {
                let set8 = black_box(&*set8);
                let mut flags = 0u32;
                for &k in keys {
                    flags ^= c_set8_get(set8, black_box(k)).unwrap_or(0x8000_0000);
                }
                flags
            })
        });
        g.finish();
    }
}

fn benches(c: &mut Criterion) {
    lookup::<8>(c);
    lookup::<16>(c);
    lookup::<64>(c);
    lookup::<256>(c);
    lookup::<1024>(c);
    lookup::<4096>(c);
}

criterion_group! {
    name = set_lookup;
    config = Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
        .sample_size(50);
    targets = benches
}
criterion_main!(set_lookup);
