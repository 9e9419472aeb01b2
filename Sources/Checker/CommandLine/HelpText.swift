/// The `--help` texts of the command line.
enum HelpText {
    static let main = """
    OVERVIEW: Validate the spectral-bias bound of finite networks against their
    infinite-width neural tangent kernel dynamics.

    USAGE: spectral-check <command> [options]

    COMMANDS:
      run         Run property suites and report verdicts, figures and plots.
      calibrate   Fit the bound constants C_m and C_n and store them in property files.
      kernel      Print the NTK or NNGP Gram matrix of the rows of an input file as CSV.
      spectrum    Print the Funk-Hecke eigenvalues of a kernel on the sphere.

    OPTIONS:
      --version   Print the package version.
      --help      Print this help.

    See `spectral-check <command> --help` for each command's options.
    """

    static let run = """
    OVERVIEW: Run property suites and report verdicts, figures and plots.

    USAGE: spectral-check run [--profile ci|nightly] [--seed <n>] [--report <dir>]
                              [--property <id>] [--data <folder>]
                              [--store <file> | --no-store] [<path> ...]

    ARGUMENTS:
      <path>              Property files or folders of .json files
                          (default: the properties folder of this package).

    OPTIONS:
      --profile <name>    Case grid to run: ci (small, minutes) or nightly
                          (large). Default: ci.
      --seed <n>          Base seed, an unsigned 64-bit integer; every case seed
                          derives from it, the property id and the case index.
                          Default: 0.
      --report <dir>      Folder for report.md, results.json and SVG plots.
                          Default: reports/latest.
      --property <id>     Run only the property with this id; repeatable.
      --data <folder>     Folder holding digits/digits.csv. Default: found by
                          walking up from the working directory.
      --store <file>      SQLite file that keeps the history of runs; created
                          with its parent folders. After the run, prints
                          ALARM: for a property that passed in the previous
                          run of the profile and now fails, and WARNING: for
                          a worst ratio that rose above 1 or more than
                          doubled, or a property the run no longer checks.
                          Default: reports/history.sqlite.
      --no-store          Record nothing and raise no alarms.
      --help              Print this help.

    EXIT STATUS: 0 when every property passes and every negative control fails,
    1 on a violation or an undetected control, 2 on invalid input, an
    internal error, or a report or store that could not be written. Alarms do
    not change the exit status.
    """

    static let calibrate = """
    OVERVIEW: Fit the bound constants C_m and C_n and store them in property files.

    USAGE: spectral-check calibrate [--seed <n>] [--data <folder>] [<path> ...]

    Runs each main-bound property's calibration grid with a seed stream apart
    from `run`, fits C_m and C_n of
    eps(t) = t (1 + t) (C_m / sqrt(m) + C_n sqrt(log(2/delta) / n)),
    and writes them with the grid, base seed and package version into the
    property file. Other properties are skipped.

    ARGUMENTS:
      <path>              Property files or folders (default: the properties folder).

    OPTIONS:
      --seed <n>          Base seed of the calibration cases. Default: 0.
      --data <folder>     Folder holding digits/digits.csv.
      --help              Print this help.
    """

    static let kernel = """
    OVERVIEW: Print the NTK or NNGP Gram matrix of the rows of an input file as CSV.

    USAGE: spectral-check kernel [--arch fc|resnet|conv] --activation <name> --depth <L>
                                 --w-std <x> --b-std <y> [--branch-scale <a>]
                                 [--filter <q>] [--shape <P|HxW>]
                                 [--kind ntk|nngp] --inputs <file>

    Networks are in the NTK parameterization with every weight and bias
    N(0, 1). Dense layers scale weights by w_std / sqrt(fan-in).

    OPTIONS:
      --arch <family>     fc: fully connected, L hidden layers (default).
                          resnet: the first layer, then L residual blocks
                          h <- h + a (w_std / sqrt(m)) W phi(h) without bias,
                          then a dense readout with bias.
                          conv: L convolutional layers with m channels,
                          filter q, stride 1 and circular padding, then
                          global average pooling and a dense readout.
                          Each input row is one channel on the grid
                          --shape, read row-major.
      --activation <name> Nonlinearity: relu, erf, tanh, softplus or gelu.
                          relu and erf use closed forms, the others a
                          64-point Gauss-Hermite rule per dimension.
      --depth <L>         fc: hidden layers, 1 to 6. resnet: blocks, 1 to 6.
                          conv: convolutional layers, 1 to 4.
      --w-std <x>         Weight standard deviation sigma_w (not its square), > 0.
      --b-std <y>         Bias standard deviation sigma_b, >= 0.
      --branch-scale <a>  resnet only: the branch scale a in (0, 10].
                          Default: 1 / sqrt(L).
      --filter <q>        conv only: odd filter size per axis, at most the
                          smallest extent of --shape.
      --shape <P|HxW>     conv only: positions of a 1-D signal or an image,
                          matching the number of input columns. Default: a
                          1-D signal with one position per column.
      --kind <name>       ntk or nngp. Default: ntk.
      --inputs <file>     Inputs, one per row: CSV (header optional) or NumPy
                          .npy (float64 or float32, C order).
      --help              Print this help.
    """

    static let spectrum = """
    OVERVIEW: Print the Funk-Hecke eigenvalues of a kernel on the sphere.

    USAGE: spectral-check spectrum [--arch fc|resnet] --activation <name> --depth <L>
                                   --w-std <x> --b-std <y> [--branch-scale <a>]
                                   --dim <d> --degrees <K> [--kind ntk|nngp]

    Prints one line per degree k = 0..K: k, the multiplicity N(d, k) and the
    eigenvalue mu_k of the integral operator on S^(d-1) with the uniform
    probability measure, for inputs scaled to norm sqrt(d). The sum
    sum_k N(d, k) mu_k over all degrees equals kappa(1). Multiplicities
    below 2^53 print as integers.

    OPTIONS:
      --arch <family>     fc (default) or resnet, as for `spectral-check kernel`.
                          The conv kernel has no Funk-Hecke spectrum.
      --activation <name> Nonlinearity: relu, erf, tanh, softplus or gelu.
                          relu and erf use closed forms, the others a
                          64-point Gauss-Hermite rule per dimension.
      --depth <L>         fc: hidden layers, 1 to 6. resnet: blocks, 1 to 6.
      --w-std <x>         Weight standard deviation sigma_w (not its square), > 0.
      --b-std <y>         Bias standard deviation sigma_b, >= 0.
      --branch-scale <a>  resnet only: the branch scale a in (0, 10].
                          Default: 1 / sqrt(L).
      --dim <d>           Ambient dimension d >= 2 (the sphere is S^(d-1)).
      --degrees <K>       Highest degree, 0 to 2000.
      --kind <name>       ntk or nngp. Default: ntk.
      --help              Print this help.
    """
}
