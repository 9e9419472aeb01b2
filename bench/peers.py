"""Time the peer implementations of the spectral-bench cases.

Each case computes what the case of the same name in
Sources/spectral-bench/BenchmarkCase.swift computes, on bit-identical inputs
and parameters, and prints JSON of the shape that spectral-bench prints:

    ntk_gram          neural-tangents stax kernel_fn, jit-compiled, float64
    gradient_descent  a PyTorch loop of full-batch gradient descent, float64
    empirical_ntk     torch.func vmap(jacrev) Jacobians contracted as J J^T
    conv_ntk_gram     neural-tangents stax kernel_fn of a CNN, batched, float64
    resnet_training   a PyTorch loop of full-batch gradient descent on a
                      residual network, float64

All networks use ReLU in the NTK parameterization with W_std = sqrt(2) (so
sigma_w^2 = 2) and b_std = 0.1.
"""

import argparse
import json
import math
import os
import sys
import time

INPUT_DIMENSION = 64
WEIGHT_STD = math.sqrt(2.0)
BIAS_STD = 0.1
LEARNING_RATE = 0.5
STEP_COUNT = 100

INPUT_SALT = 1
PARAMETER_SALT = 2
TARGET_SALT = 3
GOLDEN_GAMMA = 0x9E3779B97F4A7C15
UINT64_MASK = (1 << 64) - 1

DIGIT_IMAGE_COUNT = 500
DIGIT_IMAGE_NORM = 8.0
DIGITS_PATH = os.path.join(
    os.path.dirname(os.path.abspath(__file__)), "..", "data", "digits",
    "digits.csv",
)
# Images per block of nt.batch in conv_ntk_gram. It must divide
# DIGIT_IMAGE_COUNT.
CONV_BATCH_SIZE = 100
RESIDUAL_WIDTH = 512
RESIDUAL_BLOCKS = 2
RESIDUAL_SAMPLE_COUNT = 500

CASE_NAMES = (
    "ntk_gram", "gradient_descent", "empirical_ntk", "conv_ntk_gram",
    "resnet_training",
)


def limit_threads(threads):
    """Set the thread counts that native libraries read when they load."""
    for name in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
        os.environ[name] = str(threads)
    if threads == 1:
        # XLA's CPU client sizes its thread pool from the CPU affinity mask,
        # which run.sh narrows with taskset. These flags also make it run
        # on one thread when peers.py is started without taskset.
        flags = os.environ.get("XLA_FLAGS", "")
        os.environ["XLA_FLAGS"] = (
            flags + " --xla_cpu_multi_thread_eigen=false"
            " intra_op_parallelism_threads=1"
        ).strip()
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


def deterministic_values(count, salt):
    """Return entries 0..count-1 of stream `salt`, as DeterministicValues does.

    Entry k is (u - 0.5) * sqrt(12) with u = (z >> 11) * 2**-53 and
    z = splitmix64(k + salt * GOLDEN_GAMMA) in wrapping uint64 arithmetic.
    """
    import numpy as np

    offset = np.uint64((salt * GOLDEN_GAMMA) & UINT64_MASK)
    z = np.arange(count, dtype=np.uint64) + offset + np.uint64(GOLDEN_GAMMA)
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    z = z ^ (z >> np.uint64(31))
    u = (z >> np.uint64(11)).astype(np.float64) * 2.0**-53
    return (u - 0.5) * math.sqrt(12.0)


def deterministic_inputs(count):
    values = deterministic_values(count * INPUT_DIMENSION, INPUT_SALT)
    return values.reshape(count, INPUT_DIMENSION)


def network_parameters(widths):
    """Return [W1, b1, W2, b2, ...] as float64 torch tensors.

    The values come from the parameter stream in the flat order of
    NetworkParameters.flattened: W^l row-major (m_l x m_{l-1}), then b^l.
    """
    import torch

    counts = [widths[l] * (widths[l - 1] + 1) for l in range(1, len(widths))]
    flat = deterministic_values(sum(counts), PARAMETER_SALT)
    parameters = []
    offset = 0
    for l in range(1, len(widths)):
        rows, columns = widths[l], widths[l - 1]
        weight = flat[offset:offset + rows * columns].reshape(rows, columns)
        offset += rows * columns
        bias = flat[offset:offset + rows]
        offset += rows
        parameters += [torch.tensor(weight), torch.tensor(bias)]
    return parameters


def network_output(parameters, inputs, widths):
    """Compute f(x) for the rows of `inputs` in the NTK parameterization.

    Layer l computes H^l = (W_std / sqrt(m_{l-1})) A^{l-1} (W^l)^T + b_std b^l
    with one addmm, as the Swift network does with one gemm.
    """
    import torch

    layer_count = len(widths) - 1
    activation = inputs
    for l in range(layer_count):
        weight, bias = parameters[2 * l], parameters[2 * l + 1]
        scale = WEIGHT_STD / math.sqrt(widths[l])
        activation = torch.addmm(
            BIAS_STD * bias, activation, weight.T, alpha=scale
        )
        if l < layer_count - 1:
            activation = torch.relu(activation)
    return activation.squeeze(-1)


def scaled_digit_images(count):
    """Return the first `count` digit images, each scaled to norm 8.

    The scaling repeats DigitsDataset.scaled operation by operation in
    Python floats: the norm is largest * sqrt(sum((v / largest)^2)), summed
    left to right, and every pixel is multiplied by 8 / norm. Each step is
    correctly rounded, so the images equal the Swift side's bit for bit.
    """
    import numpy as np

    images = []
    with open(DIGITS_PATH) as file:
        for line in file:
            if len(images) == count:
                break
            pixels = [float(value) for value in line.split(",")[:64]]
            largest = max(abs(value) for value in pixels)
            sum_of_squares = 0.0
            for value in pixels:
                sum_of_squares += (value / largest) * (value / largest)
            factor = DIGIT_IMAGE_NORM / (largest * math.sqrt(sum_of_squares))
            images.append([value * factor for value in pixels])
    if len(images) != count:
        sys.exit("error: %s has %d rows, fewer than the %d images needed."
                 % (DIGITS_PATH, len(images), count))
    return np.array(images, dtype=np.float64)


def measure(repeats, body, checksums, prepare=lambda: None, warmup_count=1):
    """Run `body` untimed `warmup_count` times, then `repeats` times timed.

    `prepare` runs before every call of `body`, outside the timed region.
    """
    result = None
    for _ in range(warmup_count):
        prepare()
        result = body()
    samples = []
    for _ in range(repeats):
        prepare()
        start = time.perf_counter()
        result = body()
        samples.append(time.perf_counter() - start)
    ordered = sorted(samples)
    middle = len(ordered) // 2
    if len(ordered) % 2 == 1:
        median = ordered[middle]
    else:
        median = (ordered[middle - 1] + ordered[middle]) / 2
    return {
        "median_seconds": median,
        "sample_seconds": samples,
        "warmup_count": warmup_count,
        "checksums": checksums(result),
    }


def matrix_checksums(matrix):
    """Return the trace, the sum of the off-diagonal entries and the
    Frobenius norm of a square matrix."""
    import numpy as np

    matrix = np.asarray(matrix)
    trace = float(np.trace(matrix))
    return {
        "trace": trace,
        "off_diagonal_sum": float(matrix.sum()) - trace,
        "frobenius_norm": float(np.linalg.norm(matrix)),
    }


def run_ntk_gram(repeats, threads):
    import jax

    jax.config.update("jax_enable_x64", True)
    jax.config.update("jax_platforms", "cpu")
    import jax.numpy as jnp
    from neural_tangents import stax

    # stax.Dense takes W_std = sigma_w, not its square. The hidden width
    # does not enter the infinite-width kernel.
    layers = []
    for _ in range(3):
        layers += [
            stax.Dense(
                512, W_std=WEIGHT_STD, b_std=BIAS_STD, parameterization="ntk"
            ),
            stax.Relu(),
        ]
    layers.append(
        stax.Dense(1, W_std=WEIGHT_STD, b_std=BIAS_STD, parameterization="ntk")
    )
    _, _, kernel_fn = stax.serial(*layers)
    kernel_fn = jax.jit(kernel_fn, static_argnames="get")
    inputs = jnp.asarray(deterministic_inputs(2000), dtype=jnp.float64)
    return measure(
        repeats,
        body=lambda: kernel_fn(inputs, None, "ntk").block_until_ready(),
        checksums=matrix_checksums,
    )


def run_gradient_descent(repeats, threads):
    """Time STEP_COUNT steps of theta -= eta * grad Phi on
    Phi = mean((f - y)^2) / 2, each repeat from the same parameters."""
    import torch

    torch.set_num_threads(threads)
    widths = [INPUT_DIMENSION, 2048, 2048, 1]
    return measure_training(
        repeats,
        initial=network_parameters(widths),
        output=lambda parameters, inputs: network_output(
            parameters, inputs, widths),
        sample_count=512,
    )


def measure_training(repeats, initial, output, sample_count):
    """Time STEP_COUNT full-batch gradient-descent steps of
    output(parameters, inputs) on the deterministic inputs and targets.

    Every repeat restarts from `initial`. The checksums are the loss before
    the first step, the loss after the last one and the norm of the final
    parameters.
    """
    import torch

    parameters = [p.clone().requires_grad_(True) for p in initial]
    inputs = torch.tensor(deterministic_inputs(sample_count))
    targets = torch.tensor(deterministic_values(sample_count, TARGET_SALT))

    def loss_value():
        residual = output(parameters, inputs) - targets
        return 0.5 * torch.mean(residual * residual)

    def reset():
        with torch.no_grad():
            for parameter, start in zip(parameters, initial):
                parameter.copy_(start)

    def train():
        initial_loss = math.nan
        for step in range(STEP_COUNT):
            for parameter in parameters:
                parameter.grad = None
            loss = loss_value()
            loss.backward()
            with torch.no_grad():
                for parameter in parameters:
                    parameter.add_(parameter.grad, alpha=-LEARNING_RATE)
            if step == 0:
                initial_loss = loss.item()
        return initial_loss

    def checksums(initial_loss):
        with torch.no_grad():
            final_loss = loss_value().item()
            squares = sum(float((p * p).sum()) for p in parameters)
        return {
            "initial_loss": initial_loss,
            "final_loss": final_loss,
            "parameter_norm": math.sqrt(squares),
        }

    return measure(repeats, body=train, checksums=checksums, prepare=reset)


def run_empirical_ntk(repeats, threads):
    """Time K = sum over parameter tensors of J J^T, with J from vmap(jacrev).

    This is the Jacobian-contraction method of the PyTorch tutorial "Neural
    Tangent Kernels", which uses torch.func.
    Both arguments of the Gram are the same inputs, so the Jacobian is
    computed once. It takes n * P * 8 bytes, about 9.1 GB for n = 512 and
    P = 2.2 million parameters.
    """
    import torch
    from torch.func import jacrev, vmap

    torch.set_num_threads(threads)
    widths = [INPUT_DIMENSION, 1024, 1024, 1024, 1]
    parameters = tuple(network_parameters(widths))
    inputs = torch.tensor(deterministic_inputs(512))

    def single_output(parameters, x):
        return network_output(parameters, x.unsqueeze(0), widths).squeeze(0)

    def gram():
        per_example = vmap(jacrev(single_output), in_dims=(None, 0))
        result = None
        for jacobian in per_example(parameters, inputs):
            flat = jacobian.flatten(1)
            term = flat @ flat.T
            result = term if result is None else result + term
        return result

    return measure(
        repeats,
        body=gram,
        checksums=lambda result: matrix_checksums(result.numpy()),
    )


def run_conv_ntk_gram(repeats, threads):
    """Time the NTK Gram of a 3-layer CNN on the scaled digit images.

    The network is stax.Conv with 3 x 3 filters and circular padding,
    then Relu, three times, then GlobalAvgPool and Dense(1), in NHWC layout
    with one input channel. Its kernel keeps a 64 x 64 covariance per pair
    of images, so nt.batch evaluates it in blocks of CONV_BATCH_SIZE x
    CONV_BATCH_SIZE images and jit-compiles each block.
    """
    import jax

    jax.config.update("jax_enable_x64", True)
    jax.config.update("jax_platforms", "cpu")
    import jax.numpy as jnp
    import neural_tangents as nt
    from neural_tangents import stax

    # The channel count does not enter the infinite-width kernel.
    layers = []
    for _ in range(3):
        layers += [
            stax.Conv(
                512, (3, 3), padding="CIRCULAR", W_std=WEIGHT_STD,
                b_std=BIAS_STD, parameterization="ntk",
            ),
            stax.Relu(),
        ]
    layers += [
        stax.GlobalAvgPool(),
        stax.Dense(1, W_std=WEIGHT_STD, b_std=BIAS_STD, parameterization="ntk"),
    ]
    _, _, kernel_fn = stax.serial(*layers)
    kernel_fn = nt.batch(kernel_fn, batch_size=CONV_BATCH_SIZE)
    images = scaled_digit_images(DIGIT_IMAGE_COUNT)
    inputs = jnp.asarray(images.reshape(DIGIT_IMAGE_COUNT, 8, 8, 1))
    return measure(
        repeats,
        body=lambda: kernel_fn(inputs, None, "ntk").block_until_ready(),
        checksums=matrix_checksums,
    )


def residual_parameters():
    """Return [W0, b0, W1, ..., WB, w, b] as float64 torch tensors.

    The values come from the parameter stream in the flat order of the
    Swift ResidualNetwork: W0 (m x d, row-major), b0, W1, ..., WB (m x m),
    the readout w (1 x m) and its bias b.
    """
    import torch

    m, d = RESIDUAL_WIDTH, INPUT_DIMENSION
    shapes = [(m, d), (m,)] + [(m, m)] * RESIDUAL_BLOCKS + [(1, m), (1,)]
    counts = [math.prod(shape) for shape in shapes]
    flat = deterministic_values(sum(counts), PARAMETER_SALT)
    parameters = []
    offset = 0
    for shape, count in zip(shapes, counts):
        values = flat[offset:offset + count].reshape(shape)
        parameters.append(torch.tensor(values))
        offset += count
    return parameters


def residual_output(parameters, inputs):
    """Compute f(x) of the residual network for the rows of `inputs`:

        h0 = (W_std / sqrt(d)) W0 x + b_std b0
        hk = h(k-1) + alpha (W_std / sqrt(m)) Wk relu(h(k-1)),  k = 1 ... B
        f  = (W_std / sqrt(m)) w . relu(hB) + b_std b

    with alpha = 1 / sqrt(B), one addmm per layer as the Swift network
    computes one gemm per layer.
    """
    import torch

    first_weight, first_bias = parameters[0], parameters[1]
    readout, readout_bias = parameters[-2], parameters[-1]
    state = torch.addmm(
        BIAS_STD * first_bias, inputs, first_weight.T,
        alpha=WEIGHT_STD / math.sqrt(INPUT_DIMENSION),
    )
    branch_scale = (1 / math.sqrt(RESIDUAL_BLOCKS)) * WEIGHT_STD / math.sqrt(
        RESIDUAL_WIDTH)
    for weight in parameters[2:-2]:
        state = torch.addmm(
            state, torch.relu(state), weight.T, alpha=branch_scale)
    output = torch.addmm(
        BIAS_STD * readout_bias, torch.relu(state), readout.T,
        alpha=WEIGHT_STD / math.sqrt(RESIDUAL_WIDTH),
    )
    return output.squeeze(-1)


def run_resnet_training(repeats, threads):
    """Time STEP_COUNT gradient-descent steps of the residual network."""
    import torch

    torch.set_num_threads(threads)
    return measure_training(
        repeats,
        initial=residual_parameters(),
        output=residual_output,
        sample_count=RESIDUAL_SAMPLE_COUNT,
    )


def versions():
    from importlib import metadata

    found = {"python": sys.version.split()[0]}
    for package in ("neural-tangents", "jax", "jaxlib", "torch", "numpy"):
        try:
            found[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            found[package] = None
    return found


def main():
    parser = argparse.ArgumentParser(
        description="Time the peer implementations of the benchmark cases "
        "and print their median times and checksums as JSON."
    )
    parser.add_argument(
        "--threads", type=int, default=2, metavar="COUNT",
        help="number of BLAS, OpenMP and torch threads (default: 2)",
    )
    parser.add_argument(
        "--repeats", type=int, default=3, metavar="COUNT",
        help="number of timed runs per case, after one warm-up (default: 3)",
    )
    parser.add_argument(
        "--case", action="append", choices=CASE_NAMES, dest="cases",
        metavar="NAME",
        help="case to run, one of %s; repeat the option to run several "
        "(default: all)" % ", ".join(CASE_NAMES),
    )
    arguments = parser.parse_args()
    if arguments.threads < 1:
        parser.error("--threads needs a positive integer")
    if arguments.repeats < 1:
        parser.error("--repeats needs a positive integer")
    limit_threads(arguments.threads)

    runners = {
        "ntk_gram": run_ntk_gram,
        "gradient_descent": run_gradient_descent,
        "empirical_ntk": run_empirical_ntk,
        "conv_ntk_gram": run_conv_ntk_gram,
        "resnet_training": run_resnet_training,
    }
    report = {"side": "peers", "threads": arguments.threads, "cases": {}}
    for name in arguments.cases or CASE_NAMES:
        print("peers.py: running %s" % name, file=sys.stderr)
        report["cases"][name] = runners[name](arguments.repeats,
                                              arguments.threads)
    report["versions"] = versions()
    json.dump(report, sys.stdout, indent=2, sort_keys=True)
    print()


if __name__ == "__main__":
    main()
