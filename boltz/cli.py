"""``python -m boltz``: sample, report and bench from the command line.

Bad input never shows a traceback: the message goes to stderr on one line and the
exit status is 2, the same message the library raises as ``ValueError``.
"""

from __future__ import annotations

import argparse
import json
import sys

from boltz.validation import THREADS


class _Parser(argparse.ArgumentParser):
    """argparse with one-line errors (exit 2) instead of usage plus message."""

    def error(self, message: str):
        raise ValueError(message)


def _progress_callback(bar):
    def callback(frame: dict) -> None:
        if frame["phase"] == "burn_in":
            bar.update(frame["sweeps"], frame["total_sweeps"], "burn-in")
        elif frame["phase"] == "denoise":
            done = frame["sample_offset"] + frame["x"].shape[0] * frame["step"] / frame["steps"]
            bar.update(done, frame["total"], f"denoising t={frame['t']:.3f}")
        else:
            bar.update(frame["step"], frame["total"], "sampling")

    return callback


def _limit_threads(threads: int | None) -> None:
    """``--threads``: torch's and numba's CPU threads. Numba's OpenMP layer, started by the first parallel MCMC
    kernel, would otherwise reset torch's thread count to the core count behind the training's back."""
    if threads is None:
        return
    import numba
    import torch

    threads = THREADS.check(threads)
    numba.set_num_threads(min(threads, numba.config.NUMBA_NUM_THREADS))
    torch.set_num_threads(threads)


def _device(args):
    from boltz.device import resolve_device

    return resolve_device(args.device)


def _sample_ising(args) -> int:
    from boltz.io import check_writable, write_ising_csv
    from boltz.jobs import sample_ising
    from boltz.progress import ProgressBar

    check_writable(args.out)
    bar = ProgressBar(f"{args.sampler} L={args.L} T={args.T:g}")
    result = sample_ising(
        args.sampler, L=args.L, T=args.T, J=args.J, h=args.h, n=args.n, seed=args.seed, chains=args.chains,
        burn_in=args.burn_in, thin=args.thin, solver=args.solver, steps=args.steps, refine=args.refine,
        model=args.model, batch_size=args.batch_size, device=_device(args), precision=args.precision,
        callback=_progress_callback(bar),
    )
    bar.close()
    write_ising_csv(args.out, result.spins, result.energies, result.magnetizations)
    if args.sampler == "diffusion":
        how = f"{result.details['solver']}, {result.details['steps']} steps, refine {result.details['refine']}, " \
              f"model {result.details['model']} on {result.details['device']} in {result.details['precision']}"
    else:
        how = f"{result.details['sweeps_per_sample']:.3g} sweeps per sample"
    print(f"wrote {result.spins.shape[0]} samples to {args.out} in {result.seconds:.2f} s ({how})", file=sys.stderr)
    return 0


def _report_ising(args) -> int:
    from boltz.io import read_ising_csv
    from boltz.report import format_report, ising_report

    spins, energies, magnetizations = read_ising_csv(args.samples)
    report = ising_report(spins, energies, magnetizations, L=args.L, T=args.T, J=args.J, h=args.h)
    print(json.dumps(report.as_dict(), indent=2) if args.json else format_report(report))
    return 0


def _train_ising(args) -> int:
    from boltz.diffusion.data import IsingDataConfig
    from boltz.diffusion.networks import UNetConfig
    from boltz.diffusion.training import TrainConfig, train_ising
    from boltz.progress import ProgressBar

    _limit_threads(args.threads)
    data = IsingDataConfig(L=args.L, T_min=args.T_min, T_max=args.T_max, n_temperatures=args.n_temperatures,
                           samples_per_temperature=args.samples_per_temperature, seed=args.seed)
    network = UNetConfig(channels=args.channels, channel_mults=tuple(args.channel_mults))
    train = TrainConfig(steps=args.steps, batch_size=args.batch_size, learning_rate=args.lr, seed=args.seed,
                        checkpoint_every=args.checkpoint_every)
    bar = ProgressBar(f"train ising L={args.L}")

    def progress(frame: dict) -> None:
        if frame["phase"] == "data":
            bar.update(frame["step"], frame["total"], f"Wolff data T={frame['T']:.3f}")
        else:
            bar.update(frame["step"], frame["steps"], f"loss {frame['loss_avg']:.4f}")

    device = _device(args)
    result = train_ising(args.out, data=data, network=network, train=train, t_band=args.t_band,
                         k0_weight=args.k0_weight, cache_dir=args.cache_dir, init_from=args.init, callback=progress,
                         device=device)
    bar.close()
    _print_trained(result, args.out, device)
    return 0


def _print_trained(result, folder, device) -> None:
    from boltz.device import describe

    print(f"trained to step {result.step} in {result.seconds:.0f} s on {describe(device)} (loss {result.loss:.4f}); "
          f"checkpoint in {folder}", file=sys.stderr)


def _bench_mcmc(args) -> int:
    from boltz.bench import bench_mcmc, format_bench

    print(format_bench(bench_mcmc(seconds=args.seconds, seed=args.seed)))
    return 0


def _bench_samplers(args) -> int:
    from boltz.progress import ProgressBar
    from boltz.scoreboard import format_scoreboard, scoreboard

    for T in args.T:
        bar = ProgressBar(f"diffusion L={args.L} T={T:g}")
        rows = scoreboard(L=args.L, T=T, samplers=tuple(args.samplers), n=args.n, solver=args.solver,
                          steps=args.steps, refine=args.refine, model=args.model, mcmc_seconds=args.mcmc_seconds,
                          reference_samples=args.reference_samples, seed=args.seed, device=_device(args),
                          precision=args.precision, callback=_progress_callback(bar))
        bar.close()
        print(format_scoreboard(rows, L=args.L, T=T) + "\n", flush=True)
    return 0


def _bench_partial(args) -> int:
    from boltz.models import resolve_ising_model
    from boltz.partial_denoising import format_partial_denoising, partial_denoising
    from boltz.progress import ProgressBar

    model = resolve_ising_model(args.L, args.model, device=_device(args))
    for T in args.T:
        bar = ProgressBar(f"partial denoising L={args.L} T={T:g}")
        result = partial_denoising(model, L=args.L, T=T, t_starts=args.t_start, n=args.n, solver=args.solver,
                                   steps=args.steps, precision=args.precision, seed=args.seed,
                                   callback=_progress_callback(bar))
        bar.close()
        print(format_partial_denoising(result) + "\n", flush=True)
    return 0


def _sample_lj(args) -> int:
    from boltz.io import check_writable
    from boltz.lj_io import write_lj_csv
    from boltz.lj_jobs import sample_lj
    from boltz.progress import ProgressBar

    check_writable(args.out)
    bar = ProgressBar(f"{args.sampler} LJ N={args.N} density={args.density:g} T={args.T:g}")
    result = sample_lj(args.sampler, N=args.N, density=args.density, T=args.T, n=args.n, seed=args.seed,
                       shifted=not args.truncated, chains=args.chains, burn_in=args.burn_in, thin=args.thin,
                       solver=args.solver, steps=args.steps, corrector_steps=args.corrector_steps,
                       corrector=args.corrector, refine=args.refine, model=args.model, batch_size=args.batch_size,
                       device=_device(args), callback=_progress_callback(bar))
    bar.close()
    write_lj_csv(args.out, result.positions, result.energies)
    if args.sampler == "diffusion":
        how = (f"{result.details['sampling']}, refine {args.refine}, model {result.details['model']} "
               f"on {result.details['device']}")
    else:
        how = (f"step {result.details['step_size']:.3g}, acceptance {result.details['acceptance']:.2f}, "
               f"{result.details['sweeps_per_sample']:.3g} sweeps per sample")
    print(f"wrote {result.positions.shape[0]} samples to {args.out} in {result.seconds:.2f} s "
          f"({result.potential}; {how})", file=sys.stderr)
    return 0


def _report_lj(args) -> int:
    from boltz.io import check_writable
    from boltz.lj_io import read_lj_csv, write_gr_csv
    from boltz.lj_report import format_lj_report, lj_report

    if args.gr_out is not None:
        check_writable(args.gr_out)
    positions, energies = read_lj_csv(args.samples)
    reference = read_lj_csv(args.reference) if args.reference is not None else None
    report = lj_report(positions, energies, N=args.N, density=args.density, T=args.T, shifted=not args.truncated,
                       bins=args.bins, reference=reference)
    if args.gr_out is not None:
        write_gr_csv(args.gr_out, report.gr.r, report.gr.g, report.gr.error)
    print(json.dumps(report.as_dict(), indent=2) if args.json else format_lj_report(report))
    return 0


def _train_lj(args) -> int:
    from boltz.diffusion.lj_data import LJDataConfig
    from boltz.diffusion.lj_training import train_lj
    from boltz.diffusion.particle_network import ParticleNetConfig
    from boltz.diffusion.training import TrainConfig
    from boltz.progress import ProgressBar

    _limit_threads(args.threads)
    data = LJDataConfig(sizes=tuple(args.sizes), density=args.density, T_min=args.T_min, T_max=args.T_max,
                        n_temperatures=args.n_temperatures, samples_per_temperature=args.samples_per_temperature,
                        shifted=not args.truncated, seed=args.seed)
    network = ParticleNetConfig(hidden=args.hidden, layers=args.layers, radial_basis=args.radial_basis,
                                r_cut=args.r_cut, force_prior=not args.no_force_prior, force_scale=args.force_scale,
                                pair_prior=args.pair_prior,
                                vector_channels=args.vector_channels)
    train = TrainConfig(steps=args.steps, batch_size=args.batch_size, learning_rate=args.lr, seed=args.seed,
                        checkpoint_every=args.checkpoint_every)
    bar = ProgressBar(f"train lj N={','.join(map(str, data.sizes))} density={data.density:g}")

    def progress(frame: dict) -> None:
        if frame["phase"] == "data":
            bar.update(frame["step"], frame["total"], f"Metropolis data N={frame['N']} T={frame['T']:.3f}")
        else:
            bar.update(frame["step"], frame["steps"], f"loss {frame['loss_avg']:.4f}")

    device = _device(args)
    result = train_lj(args.out, data=data, network=network, train=train, cache_dir=args.cache_dir, init_from=args.init,
                      callback=progress, device=device, sigma_sampling=args.sigma_sampling)
    bar.close()
    _print_trained(result, args.out, device)
    return 0


def _bench_lj(args) -> int:
    from boltz.lj_bench import bench_lj, format_lj_bench

    print(format_lj_bench(bench_lj(seconds=args.seconds, seed=args.seed, device=_device(args))))
    return 0


def _add_lj_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--N", type=int, required=True, help="number of particles")
    parser.add_argument("--density", type=float, required=True, help="number density ρ (box side √(N/ρ))")
    parser.add_argument("--T", type=float, required=True, help="temperature (ε/k_B)")
    parser.add_argument("--truncated", action="store_true",
                        help="plain truncated LJ at r_c = 2.5 (default: truncated and shifted)")


def _add_ising_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--L", type=int, required=True, help="lattice side (L×L torus)")
    parser.add_argument("--T", type=float, required=True, help="temperature (k_B = 1)")
    parser.add_argument("--J", type=float, default=1.0, help="coupling (default 1)")
    parser.add_argument("--h", type=float, default=0.0, help="external field (default 0)")


def _add_device_argument(parser: argparse.ArgumentParser) -> None:
    from boltz.device import DEVICES

    parser.add_argument("--device", choices=DEVICES, default="auto",
                        help="where the diffusion network runs (default auto: CUDA when present); MCMC stays on the CPU")


def _add_precision_argument(parser: argparse.ArgumentParser) -> None:
    from boltz.device import PRECISIONS

    parser.add_argument("--precision", choices=PRECISIONS, default="auto",
                        help="the Ising network's arithmetic (default auto: bfloat16 where the CPU or GPU has it in "
                             "hardware, else float32); the solver always works in float32")


def build_parser() -> argparse.ArgumentParser:
    from boltz.diffusion.ising_sampling import DEFAULT_SOLVER, DEFAULT_STEPS
    from boltz.diffusion.sampling import CORRECTORS, SAMPLERS

    parser = _Parser(prog="python -m boltz", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    sample = commands.add_parser("sample", help="draw samples and write them as CSV")
    sample_systems = sample.add_subparsers(dest="system", required=True, parser_class=_Parser)
    sample_ising = sample_systems.add_parser("ising", help="2D Ising model")
    sample_ising.add_argument("--sampler", choices=["metropolis", "wolff", "diffusion"], default="metropolis")
    _add_ising_arguments(sample_ising)
    sample_ising.add_argument("--n", type=int, default=1000, help="number of samples")
    sample_ising.add_argument("--seed", type=int, default=0)
    sample_ising.add_argument("--chains", type=int, default=1, help="independent chains (samples are written chain after chain)")
    sample_ising.add_argument("--burn-in", type=int, default=None,
                              help="sweeps before the first sample (default 1000 Metropolis, 200 Wolff)")
    sample_ising.add_argument("--thin", type=int, default=None,
                              help="Metropolis: sweeps between samples (default 1); Wolff: clusters between samples "
                                   "(default ⌈L²/⟨cluster size⟩⌉ from burn-in)")
    sample_ising.add_argument("--solver", choices=list(SAMPLERS), default=DEFAULT_SOLVER,
                              help=f"diffusion: reverse-time solver (default {DEFAULT_SOLVER})")
    sample_ising.add_argument("--steps", type=int, default=DEFAULT_STEPS,
                              help=f"diffusion: noise levels (solver steps, default {DEFAULT_STEPS})")
    sample_ising.add_argument("--refine", type=int, default=0, help="diffusion: Metropolis sweeps after projection")
    sample_ising.add_argument("--model", default=None, help="diffusion: checkpoint folder or name "
                                                            "(default: the model trained closest to L)")
    sample_ising.add_argument("--batch-size", type=int, default=500, help="diffusion: lattices denoised at once")
    sample_ising.add_argument("--out", required=True, help="CSV file to write")
    _add_device_argument(sample_ising)
    _add_precision_argument(sample_ising)
    sample_ising.set_defaults(run=_sample_ising)

    sample_lj = sample_systems.add_parser("lj", help="2D Lennard-Jones fluid")
    sample_lj.add_argument("--sampler", choices=["metropolis", "diffusion"], default="metropolis")
    _add_lj_arguments(sample_lj)
    sample_lj.add_argument("--n", type=int, default=1000, help="number of samples")
    sample_lj.add_argument("--seed", type=int, default=0)
    sample_lj.add_argument("--chains", type=int, default=8, help="Metropolis: independent chains, written one after another")
    sample_lj.add_argument("--burn-in", type=int, default=None, help="Metropolis: sweeps tuning the step (default 1000)")
    sample_lj.add_argument("--thin", type=int, default=None, help="Metropolis: sweeps between samples (default 10)")
    sample_lj.add_argument("--solver", choices=list(SAMPLERS), default=None,
                           help="diffusion: reverse-time solver (default: the model's tested setting, pc with 200 "
                                "levels and 2 corrector steps for the shipped lj_dense, else sde with 100)")
    sample_lj.add_argument("--steps", type=int, default=None,
                           help="diffusion: noise levels (solver steps; default the model's, or 100 with --solver)")
    sample_lj.add_argument("--corrector-steps", type=int, default=None,
                           help="diffusion, pc solver: Langevin corrector steps per level (default the model's, or 1)")
    sample_lj.add_argument("--corrector", choices=list(CORRECTORS), default=None,
                           help="diffusion, pc solver: the Langevin integrator, lm (Leimkuhler–Matthews, the default) "
                                "or euler (unadjusted Langevin of Song et al. 2021, wider than the target by O(step))")
    sample_lj.add_argument("--refine", type=int, default=0, help="diffusion: Metropolis sweeps after the last step")
    sample_lj.add_argument("--model", default=None, help="diffusion: checkpoint folder or name (default: a model of "
                                                         "this density and T range, trained closest to N)")
    sample_lj.add_argument("--batch-size", type=int, default=256, help="diffusion: configurations denoised at once")
    sample_lj.add_argument("--out", required=True, help="CSV file to write")
    _add_device_argument(sample_lj)
    sample_lj.set_defaults(run=_sample_lj)

    report = commands.add_parser("report", help="observables of a samples CSV against exact values")
    report_systems = report.add_subparsers(dest="system", required=True, parser_class=_Parser)
    report_ising = report_systems.add_parser("ising", help="2D Ising model")
    report_ising.add_argument("--samples", required=True, help="CSV written by `sample ising`")
    _add_ising_arguments(report_ising)
    report_ising.add_argument("--json", action="store_true", help="machine-readable output")
    report_ising.set_defaults(run=_report_ising)

    report_lj = report_systems.add_parser("lj", help="2D Lennard-Jones fluid")
    report_lj.add_argument("--samples", required=True, help="CSV written by `sample lj`")
    _add_lj_arguments(report_lj)
    report_lj.add_argument("--reference", default=None, help="another samples CSV of the same state point to compare with")
    report_lj.add_argument("--bins", type=int, default=100, help="g(r) shells up to box/2")
    report_lj.add_argument("--gr-out", default=None, help="write g(r) as CSV (r,g,error)")
    report_lj.add_argument("--json", action="store_true", help="machine-readable output")
    report_lj.set_defaults(run=_report_lj)

    train = commands.add_parser("train", help="train a diffusion model (resumes from --out if it holds a checkpoint)")
    train_systems = train.add_subparsers(dest="system", required=True, parser_class=_Parser)
    train_ising = train_systems.add_parser("ising", help="temperature-conditioned periodic U-Net on Wolff samples")
    train_ising.add_argument("--L", type=int, required=True, help="lattice side of the training data")
    train_ising.add_argument("--T-min", type=float, default=1.5)
    train_ising.add_argument("--T-max", type=float, default=3.5)
    train_ising.add_argument("--n-temperatures", type=int, default=41, help="evenly spaced training temperatures")
    train_ising.add_argument("--samples-per-temperature", type=int, default=2048)
    train_ising.add_argument("--channels", type=int, default=16, help="U-Net width at full resolution")
    train_ising.add_argument("--channel-mults", type=int, nargs="+", default=[1, 2, 2])
    train_ising.add_argument("--steps", type=int, default=20_000)
    train_ising.add_argument("--batch-size", type=int, default=128)
    train_ising.add_argument("--lr", type=float, default=2e-3)
    train_ising.add_argument("--checkpoint-every", type=int, default=500)
    train_ising.add_argument("--t-band", type=float, nargs=2, default=None, metavar=("LOW", "HIGH"),
                             help="draw half of the noise levels t from [LOW, HIGH] (default: all from U[t_min, 1])")
    train_ising.add_argument("--k0-weight", type=float, default=None, metavar="W",
                             help="loss weight of the ε error's lattice mean (the k = 0 mode) relative to each other "
                                  "Fourier mode (default: 1, the plain ε-MSE)")
    train_ising.add_argument("--seed", type=int, default=0)
    train_ising.add_argument("--threads", type=int, default=None, help="torch CPU threads (default: torch's choice)")
    train_ising.add_argument("--init", default=None, help="start from this checkpoint's weights (e.g. a smaller L)")
    train_ising.add_argument("--cache-dir", default="data", help="where the Wolff training data is cached")
    train_ising.add_argument("--out", required=True, help="checkpoint folder")
    _add_device_argument(train_ising)
    train_ising.set_defaults(run=_train_ising)

    train_lj = train_systems.add_parser("lj", help="permutation-equivariant torus score network on Metropolis samples")
    train_lj.add_argument("--sizes", type=int, nargs="+", default=[16, 32], help="particle numbers of the training data")
    train_lj.add_argument("--density", type=float, required=True)
    train_lj.add_argument("--T-min", type=float, required=True)
    train_lj.add_argument("--T-max", type=float, required=True)
    train_lj.add_argument("--n-temperatures", type=int, default=5, help="evenly spaced training temperatures")
    train_lj.add_argument("--samples-per-temperature", type=int, default=8192, help="per temperature and N")
    train_lj.add_argument("--truncated", action="store_true", help="plain truncated LJ (default: truncated and shifted)")
    train_lj.add_argument("--hidden", type=int, default=32, help="width of node features and messages")
    train_lj.add_argument("--layers", type=int, default=2, help="message-passing layers")
    train_lj.add_argument("--radial-basis", type=int, default=16, help="Gaussian radial basis functions on [0, r_cut]")
    train_lj.add_argument("--r-cut", type=float, default=2.5,
                          help="range of a message; at most half the smallest box the network trains or samples in")
    train_lj.add_argument("--no-force-prior", action="store_true",
                          help="a purely learned score (default: the network plus the σ → 0 limit −σF/T)")
    train_lj.add_argument("--pair-prior", action="store_true",
                          help="add the exact noised score of an isolated pair at every σ (the dilute-gas score) "
                               "instead of the force prior")
    train_lj.add_argument("--force-scale", type=float, default=0.05,
                          help="σ_F: noise level where the force prior's weight has fallen to ½")
    train_lj.add_argument("--vector-channels", type=int, default=0,
                          help="equivariant vector features per particle (PaiNN-like; default 0: distances only)")
    train_lj.add_argument("--sigma-sampling", choices=["log_uniform", "cage"], default="log_uniform",
                          help="training noise levels: log-uniform (default) or half of them log-normal around the "
                               "nearest-neighbour cage scale σ = 0.3")
    train_lj.add_argument("--steps", type=int, default=4000)
    train_lj.add_argument("--batch-size", type=int, default=32)
    train_lj.add_argument("--lr", type=float, default=2e-3)
    train_lj.add_argument("--checkpoint-every", type=int, default=250)
    train_lj.add_argument("--seed", type=int, default=0)
    train_lj.add_argument("--threads", type=int, default=None, help="torch CPU threads (default: torch's choice)")
    train_lj.add_argument("--init", default=None, help="start from this checkpoint's weights (same network config)")
    train_lj.add_argument("--cache-dir", default="data", help="where the Metropolis training data is cached")
    train_lj.add_argument("--out", required=True, help="checkpoint folder")
    _add_device_argument(train_lj)
    train_lj.set_defaults(run=_train_lj)

    bench = commands.add_parser("bench", help="speed benchmarks")
    bench_targets = bench.add_subparsers(dest="target", required=True, parser_class=_Parser)
    bench_mcmc = bench_targets.add_parser("mcmc", help="Metropolis and Wolff throughput and τ_int at T_c")
    bench_mcmc.add_argument("--seconds", type=float, default=1.0, help="time budget per measurement")
    bench_mcmc.add_argument("--seed", type=int, default=0)
    bench_mcmc.set_defaults(run=_bench_mcmc)
    bench_samplers = bench_targets.add_parser(
        "samplers", help="Metropolis, Wolff and diffusion at equal compute: cost and fidelity in one table")
    bench_samplers.add_argument("--L", type=int, default=16, help="lattice side")
    bench_samplers.add_argument("--T", type=float, nargs="+", default=[2.269], help="temperature(s), one table each")
    bench_samplers.add_argument("--samplers", nargs="+", default=["metropolis", "wolff", "diffusion"],
                                choices=["metropolis", "wolff", "diffusion"])
    bench_samplers.add_argument("--n", type=int, default=4000, help="diffusion samples")
    bench_samplers.add_argument("--solver", choices=list(SAMPLERS), default=DEFAULT_SOLVER)
    bench_samplers.add_argument("--steps", type=int, default=DEFAULT_STEPS)
    bench_samplers.add_argument("--refine", type=int, default=0, help="Metropolis sweeps after projection")
    bench_samplers.add_argument("--model", default=None, help="checkpoint folder or name")
    bench_samplers.add_argument("--mcmc-seconds", type=float, default=None,
                                help="MCMC kernel time (default: the diffusion run's wall time)")
    bench_samplers.add_argument("--reference-samples", type=int, default=100_000,
                                help="samples of the cached Wolff reference for |m|, χ and C(r)")
    bench_samplers.add_argument("--seed", type=int, default=0)
    _add_device_argument(bench_samplers)
    _add_precision_argument(bench_samplers)
    bench_samplers.set_defaults(run=_bench_samplers)
    bench_partial = bench_targets.add_parser(
        "partial", help="Ising diffusion from Wolff lattices noised to t0: where the sampler's error enters")
    bench_partial.add_argument("--L", type=int, default=16, help="lattice side")
    bench_partial.add_argument("--T", type=float, nargs="+", default=[2.269], help="temperature(s), one table each")
    bench_partial.add_argument("--t-start", type=float, nargs="+", default=[0.1, 0.2, 0.3, 0.45, 0.6, 1.0],
                               help="levels t0 in (t_min, 1] to noise to and denoise from")
    bench_partial.add_argument("--n", type=int, default=1024, help="Wolff lattices (the same for every t0)")
    bench_partial.add_argument("--solver", choices=list(SAMPLERS), default=DEFAULT_SOLVER)
    bench_partial.add_argument("--steps", type=int, default=DEFAULT_STEPS,
                               help="level density: as many levels below t0 as a run of this many from t = 1 has")
    bench_partial.add_argument("--model", default=None, help="checkpoint folder or name")
    bench_partial.add_argument("--seed", type=int, default=0)
    _add_device_argument(bench_partial)
    _add_precision_argument(bench_partial)
    bench_partial.set_defaults(run=_bench_partial)
    bench_lj = bench_targets.add_parser("lj", help="Lennard-Jones Metropolis throughput and ESS/s of U")
    bench_lj.add_argument("--seconds", type=float, default=1.0, help="time budget per measurement")
    bench_lj.add_argument("--seed", type=int, default=0)
    _add_device_argument(bench_lj)
    bench_lj.set_defaults(run=_bench_lj)
    return parser


def main(argv: list[str] | None = None) -> int:
    try:
        # Python 3.11's argparse drops a "--" value, so `--T=--` would reach the commands as an empty list
        for token in sys.argv[1:] if argv is None else argv:
            if isinstance(token, str) and token.startswith("--") and token.endswith("=--"):
                raise ValueError(f"{token.split('=')[0][2:]} must be a number, got '--'")
        args = build_parser().parse_args(argv)
        return args.run(args)
    except ValueError as error:
        message = " ".join(str(error).split())
        print(f"error: {message}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("error: interrupted", file=sys.stderr)
        return 130
