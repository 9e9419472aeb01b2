import Checker
import Foundation
import Testing
import Theory

/// Tests of the command line. Exit statuses come from calling
/// `SpectralCheckCommand.main` in this process. Tests that read standard
/// output run the built executable instead (see `CommandLineProcess`).
@Suite("spectral-check command line")
struct CommandLineTests {
    let folder: ScratchFolder

    init() throws {
        folder = try ScratchFolder("checker-cli")
    }

    /// Runs the executable with `arguments` and returns its exit status,
    /// standard output and standard error.
    func spawn(_ arguments: [String]) throws -> (status: Int32, output: String, errors: String) {
        try CommandLineProcess.run(arguments)
    }

    /// Arguments of `run` that keep the report and the history store out of
    /// the working directory.
    func runArguments(_ extra: [String]) -> [String] {
        ["run", "--no-store", "--report", folder.file("report")] + extra
    }

    static let spectrumArguments = [
        "spectrum", "--activation", "relu", "--depth", "1", "--w-std", "1.4142135623730951",
        "--b-std", "0", "--dim", "3", "--degrees", "4",
    ]

    /// `arguments` with the value after `option` replaced, or the option and
    /// value appended when absent.
    static func replacing(_ option: String, with value: String, in arguments: [String]) -> [String] {
        var result = arguments
        if let index = result.firstIndex(of: option) {
            result[index + 1] = value
        } else {
            result += [option, value]
        }
        return result
    }

    // MARK: - Version and help

    @Test("version")
    func version() throws {
        let (status, output, _) = try spawn(["--version"])
        #expect(status == 0)
        #expect(output == PackageVersion.string + "\n")
    }

    @Test("main help", arguments: [["--help"], ["-h"], ["help"]])
    func mainHelp(arguments: [String]) throws {
        let (status, output, _) = try spawn(arguments)
        #expect(status == 0)
        #expect(output.hasPrefix("OVERVIEW: "))
        #expect(output.contains("USAGE: spectral-check <command> [options]"))
        for command in ["run", "calibrate", "kernel", "spectrum"] {
            #expect(output.contains("\n  \(command) "), "main help lists \(command)")
        }
    }

    @Test("no arguments prints help and exits 2")
    func noArguments() throws {
        let (status, output, _) = try spawn([])
        #expect(status == 2)
        #expect(output.contains("USAGE: spectral-check <command> [options]"))
    }

    @Test("command help", arguments: ["run", "calibrate", "kernel", "spectrum"])
    func commandHelp(command: String) throws {
        let (status, output, _) = try spawn([command, "--help"])
        #expect(status == 0)
        #expect(output.hasPrefix("OVERVIEW: "))
        #expect(output.contains("USAGE: spectral-check \(command)"))
        #expect(output.contains("--help"))
    }

    @Test("kernel help text")
    func kernelHelpGolden() throws {
        let (status, output, _) = try spawn(["kernel", "--help"])
        #expect(status == 0)
        #expect(output == Self.kernelHelp)
    }

    @Test("spectrum help text")
    func spectrumHelpGolden() throws {
        let (status, output, _) = try spawn(["spectrum", "--help"])
        #expect(status == 0)
        #expect(output == Self.spectrumHelp)
    }

    static let kernelHelp = """
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

    static let spectrumHelp = """
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

    // MARK: - Usage errors

    @Test("unknown command or option exits 2", arguments: [
        ["frobnicate"],
        ["--verbose"],
        ["run", "--bogus"],
        ["calibrate", "--profile", "ci"],
        ["kernel", "--bogus", "1"],
        ["spectrum", "--dimension", "3"],
        ["spectrum", "--dim"],
    ])
    func unknownCommandOrOption(arguments: [String]) throws {
        #expect(SpectralCheckCommand.main(arguments) == 2)
        let (status, output, errors) = try spawn(arguments)
        #expect(status == 2)
        #expect(output.isEmpty, "stdout: \(output)")
        #expect(errors.hasPrefix("error: "), "stderr: \(errors)")
    }

    @Test("valid spectrum arguments exit 0")
    func validSpectrumArguments() throws {
        #expect(SpectralCheckCommand.main(Self.spectrumArguments) == 0)
    }

    @Test("bad spectrum value exits 2", arguments: [
        ("--depth", "0"), ("--depth", "7"), ("--depth", "1.5"), ("--w-std", "-1"), ("--w-std", "0"),
        ("--w-std", "nan"), ("--w-std", "inf"), ("--b-std", "-0.1"), ("--activation", "sigmoid"),
        ("--kind", "gp"), ("--dim", "1"), ("--degrees", "-1"), ("--degrees", "2001"),
    ])
    func badSpectrumValue(option: String, value: String) throws {
        let arguments = Self.replacing(option, with: value, in: Self.spectrumArguments)
        #expect(SpectralCheckCommand.main(arguments) == 2, "\(arguments)")
        let (status, output, errors) = try spawn(arguments)
        #expect(status == 2, "\(arguments)")
        #expect(output.isEmpty, "stdout: \(output)")
        #expect(errors.hasPrefix("error: invalid value \"\(value)\" for \(option)"), "stderr: \(errors)")
    }

    @Test("kernel matches each family's Gram")
    func kernelPerFamily() throws {
        let rows: [[Double]] = [[0.3, -1.2, 0.8, 0.1], [1.0, 0.4, -0.2, 0.9], [-0.5, 0.7, 1.1, -0.3]]
        let inputs = try folder.write(rows.map { $0.map { "\($0)" }.joined(separator: ",") }.joined(separator: "\n") + "\n",
                                      named: "family-inputs.csv")
        let matrix = Matrix(rows: 3, columns: 4, storage: rows.flatMap { $0 })
        let cases: [([String], any NeuralKernel)] = [
            (["--arch", "resnet", "--depth", "2", "--branch-scale", "0.5"],
             ResidualKernel(activation: .relu, blocks: 2, weightStd: 1.3, biasStd: 0.2, branchScale: 0.5)),
            (["--arch", "conv", "--depth", "2", "--filter", "3", "--shape", "2x2"],
             ConvolutionalKernel(activation: .relu, depth: 2, spatialShape: [2, 2], filterSize: 1,
                                 weightStd: 1.3, biasStd: 0.2)),
            (["--arch", "conv", "--depth", "2", "--filter", "3"],
             ConvolutionalKernel(activation: .relu, depth: 2, spatialShape: [4], filterSize: 3,
                                 weightStd: 1.3, biasStd: 0.2)),
        ]
        for (options, kernel) in cases {
            let arguments = ["kernel", "--activation", "relu", "--w-std", "1.3", "--b-std", "0.2", "--inputs", inputs]
                + options
            let (status, output, errors) = try spawn(arguments)
            if options.contains("2x2") {
                // A filter of 3 does not fit a 2x2 grid, so the command rejects it.
                #expect(status == 2, "\(options)")
                #expect(errors.hasPrefix("error: invalid --filter 3 for --shape 2x2"), "stderr: \(errors)")
                continue
            }
            #expect(status == 0, "\(options): \(errors)")
            let printed = output.split(separator: "\n").map { $0.split(separator: ",").map { Double($0)! } }
            let expected = kernel.gram(matrix, kind: .ntk)
            #expect(printed.count == 3)
            for i in 0..<3 {
                for j in 0..<3 {
                    // The CSV prints Swift's shortest round-trip form, so values are exact.
                    #expect(printed[i][j] == expected[i, j], "\(options) entry (\(i), \(j))")
                }
            }
        }
    }

    @Test("family options are checked")
    func familyOptionErrors() throws {
        let inputs = try folder.write("1,0,0\n0,1,0\n", named: "inputs3.csv")
        let base = ["kernel", "--activation", "relu", "--depth", "1", "--w-std", "1", "--b-std", "0", "--inputs", inputs]
        let cases: [([String], String)] = [
            (["--branch-scale", "0.5"], "error: option --branch-scale applies to --arch resnet, not --arch fc"),
            (["--arch", "resnet", "--filter", "3"], "error: option --filter applies to --arch conv, not --arch resnet"),
            (["--arch", "conv", "--filter", "3", "--shape", "4"], "error: --shape 4 has 4 positions, but the inputs have 3 columns"),
            (["--arch", "conv", "--filter", "3", "--shape", "3x"], "error: invalid value \"3x\" for --shape"),
            (["--arch", "conv", "--filter", "2"], "error: invalid --filter 2 for --shape 3"),
            (["--arch", "mlp"], "error: invalid value \"mlp\" for --arch"),
        ]
        for (options, message) in cases {
            let (status, output, errors) = try spawn(base + options)
            #expect(status == 2, "\(options)")
            #expect(output.isEmpty, "\(options) stdout: \(output)")
            #expect(errors.hasPrefix(message), "\(options) stderr: \(errors)")
        }
        let (status, _, errors) = try spawn(["spectrum", "--arch", "conv", "--activation", "relu", "--depth", "1",
                                             "--filter", "1", "--w-std", "1", "--b-std", "0", "--dim", "3",
                                             "--degrees", "2"])
        #expect(status == 2)
        #expect(errors.hasPrefix("error: the conv kernel is not a function of <x, x'> alone"), "stderr: \(errors)")
    }

    @Test("resnet spectrum sums to kappa(1)")
    func resnetSpectrumTrace() throws {
        let (status, output, errors) = try spawn(["spectrum", "--arch", "resnet", "--activation", "erf", "--depth", "2",
                                                  "--w-std", "1.2", "--b-std", "0.1", "--dim", "2", "--degrees", "60"])
        #expect(status == 0, "stderr: \(errors)")
        var sum = 0.0
        for line in output.split(separator: "\n").dropFirst() {
            let fields = line.split(separator: ",").map { Double($0)! }
            sum += fields[1] * fields[2]
        }
        // erf kernels are analytic in ⟨x, x'⟩, so the degree-60 tail is far below 1e-10.
        let kappa = ResidualKernel(activation: .erf, blocks: 2, weightStd: 1.2, biasStd: 0.1).onSphere(cosine: 1, kind: .ntk)
        #expect(abs(sum - kappa) <= 1e-10 * kappa)
    }

    @Test("bad kernel arguments exit 2")
    func badKernelArguments() throws {
        let inputs = try folder.write("1,0,0\n0,1,0\n", named: "inputs.csv")
        let base = ["kernel", "--activation", "relu", "--depth", "1", "--w-std", "1", "--b-std", "0"]
        let withInputs = ["--inputs", inputs]
        #expect(SpectralCheckCommand.main(base + withInputs) == 0)
        #expect(SpectralCheckCommand.main(base) == 2, "missing --inputs")
        #expect(SpectralCheckCommand.main(base + withInputs + ["extra.csv"]) == 2, "positional argument")
        #expect(SpectralCheckCommand.main(base + ["--inputs", folder.file("absent.csv")]) == 2, "missing file")
        for (option, value) in [("--activation", "sigmoid"), ("--depth", "0"), ("--w-std", "-1")] {
            let arguments = Self.replacing(option, with: value, in: base) + withInputs
            #expect(SpectralCheckCommand.main(arguments) == 2, "\(arguments)")
        }
    }

    @Test("-h prints command help", arguments: ["run", "calibrate", "kernel", "spectrum"])
    func shortHelp(command: String) throws {
        let (status, output, _) = try spawn([command, "-h"])
        #expect(status == 0)
        #expect(output.hasPrefix("OVERVIEW: "), "\(output)")
    }

    @Test("repeated option exits 2")
    func repeatedOption() throws {
        let arguments = Self.spectrumArguments + ["--depth", "3"]
        let (status, _, errors) = try spawn(arguments)
        #expect(status == 2)
        #expect(errors.hasPrefix("error: option --depth is given more than once"), "stderr: \(errors)")
    }

    // 1e155² overflows Double, so the kernel would print inf and NaN.
    @Test("overflowing kernel inputs exit 2")
    func overflowingKernelInputs() throws {
        let inputs = try folder.write("1e155,0,0\n0,1,0\n", named: "huge.csv")
        let arguments = ["kernel", "--activation", "erf", "--depth", "1", "--w-std", "1", "--b-std", "0",
                         "--inputs", inputs]
        let (status, output, errors) = try spawn(arguments)
        #expect(status == 2)
        #expect(output.isEmpty, "stdout: \(output)")
        #expect(errors.contains("row 1: the kernel overflows to a non-finite value"), "stderr: \(errors)")
    }

    @Test("bad run values exit 2 before running", arguments: [
        ["--seed", "abc"], ["--seed", "-1"], ["--seed", "18446744073709551616"],
        ["--profile", "weekly"], ["--property", "no-such-property"],
    ])
    func badRunValue(extra: [String]) throws {
        let file = try folder.write(try PropertyFixture.traceIdentity(), named: "trace.json")
        #expect(SpectralCheckCommand.main(runArguments(extra + [file])) == 2)
        let (status, output, _) = try spawn(runArguments(extra + [file]))
        #expect(status == 2)
        #expect(output.isEmpty, "stdout: \(output)")
        #expect(!FileManager.default.fileExists(atPath: folder.file("report")))
    }

    // MARK: - kernel and spectrum output

    @Test("kernel prints the analytic Gram", arguments: KernelKind.allCases)
    func kernelGram(kind: KernelKind) throws {
        // x0 and x1 are orthogonal with |x|² = 9, and x2 has cosine 2/3 with x0.
        let inputs = try folder.write("a,b,c\n1,2,2\n2,1,-2\n0,0,3\n", named: "inputs.csv")
        let (status, output, _) = try spawn([
            "kernel", "--activation", "relu", "--depth", "1", "--w-std", "1.4142135623730951",
            "--b-std", "0", "--kind", kind.rawValue, "--inputs", inputs,
        ])
        #expect(status == 0)
        let printed = try output.split(separator: "\n").map { line in
            try line.split(separator: ",").map { try #require(Double(String($0)), "entry \($0)") }
        }
        let kernel = FullyConnectedKernel(activation: .relu, depth: 1, weightStd: 2.0.squareRoot(), biasStd: 0)
        let expected = kernel.gram(try MatrixFile.read(path: inputs), kind: kind)
        try #require(printed.count == 3 && printed.allSatisfy { $0.count == 3 }, "output: \(output)")
        for i in 0..<3 {
            for j in 0..<3 {
                // Entries print in shortest round-trip form, so they match bit for bit.
                #expect(printed[i][j] == expected[i, j], "entry (\(i), \(j))")
            }
        }

        // With σ_w² = 2 and σ_b = 0, q = 2|x|²/d = 6 on the diagonal. ReLU
        // gives NNGP q and NTK 2q on the diagonal, and 6/π for both kernels on
        // the orthogonal pair. Each closed form is a few rounding steps away.
        let tolerance = 1e-14
        let diagonal = kind == .ntk ? 12.0 : 6.0
        for i in 0..<3 {
            #expect(abs(printed[i][i] - diagonal) <= tolerance * diagonal, "diagonal \(i): \(printed[i][i])")
        }
        #expect(abs(printed[0][1] - 6 / Double.pi) <= tolerance, "off-diagonal: \(printed[0][1])")
        #expect(printed[0][1] == printed[1][0])
    }

    @Test("spectrum of the one-layer ReLU NTK on S²")
    func spectrumValues() throws {
        let (status, output, _) = try spawn(Self.spectrumArguments)
        #expect(status == 0)
        let lines = output.split(separator: "\n").map(String.init)
        try #require(lines.count == 6, "output: \(output)")
        #expect(lines[0] == "k,N(d;k),mu_k")
        let rows = try lines.dropFirst().map { line in
            try line.split(separator: ",").map { try #require(Double(String($0)), "field \($0) of \(line)") }
        }
        // The NTK for σ_w² = 2 and σ_b = 0 on S² with inputs of norm √3 is
        // κ(u) = (4u (π − arccos u) + 2√(1 − u²)) / π. These are its exact
        // Funk–Hecke integrals against P_0 … P_4. For example μ_0 = 1 follows
        // from ∫ u arccos u du = −π/4 over [−1, 1].
        let expected: [Double] = [1, 2.0 / 3.0, 5.0 / 32.0, 0, 1.0 / 96.0]
        let tolerance = 1e-11
        for (k, row) in rows.enumerated() {
            try #require(row.count == 3, "line \(k + 1): \(lines[k + 1])")
            #expect(row[0] == Double(k))
            #expect(row[1] == Double(2 * k + 1), "N(3, \(k))")
            #expect(abs(row[2] - expected[k]) <= tolerance, "mu_\(k) = \(row[2])")
        }
    }

    // MARK: - run and calibrate

    @Test("run exit status follows the verdicts")
    func runExitStatus() throws {
        let passing = try folder.write(try PropertyFixture.traceIdentity(id: "passing"), named: "passing.json")
        let pass = try spawn(runArguments([passing]))
        #expect(pass.status == 0)
        #expect(pass.output.contains("passing"))
        #expect(pass.output.contains("report: \(folder.file("report"))/report.md"))
        let decoded = try decodeResults()
        #expect(decoded.properties.map(\.id) == ["passing"])
        #expect(decoded.properties.first?.verdict == .pass)

        let tight = try folder.write(try PropertyFixture.mainBound(id: "tight", widthConstant: 1e-6,
                                                                  sampleConstant: 1e-6), named: "tight.json")
        let violation = try spawn(runArguments([passing, tight]))
        #expect(violation.status == 1)
        #expect(violation.output.contains("tight: FAILED"), "output: \(violation.output)")
        #expect(violation.output.contains(
            "  replay: spectral-check run --profile ci --seed 0 --property tight"))

        let uncalibrated = try folder.write(try PropertyFixture.mainBound(id: "uncalibrated", widthConstant: nil),
                                            named: "uncalibrated.json")
        let error = try spawn(runArguments(["--property", "uncalibrated", passing, tight, uncalibrated]))
        #expect(error.status == 2)
        #expect(error.output.contains("uncalibrated: error: property uncalibrated has no calibrated constants"))
        #expect(try decodeResults().properties.map(\.id) == ["uncalibrated"], "--property selects one")
    }

    func decodeResults() throws -> RunResult {
        let data = try Data(contentsOf: URL(fileURLWithPath: folder.file("report/results.json")))
        return try JSONDecoder().decode(RunResult.self, from: data)
    }

    @Test("run with a seed replays it")
    func runSeed() throws {
        let file = try folder.write(try PropertyFixture.initialKernel(id: "seeded"), named: "seeded.json")
        #expect(SpectralCheckCommand.main(runArguments(["--seed", "18446744073709551615", file])) == 0)
        let result = try decodeResults()
        #expect(result.baseSeed == UInt64.max)
        let property = try #require(result.properties.first)
        #expect(property.replayCommand
            == "spectral-check run --profile ci --seed 18446744073709551615 --property seeded \(file)")
        #expect(property.outcome.cases.first?.seed
            == CaseSeed.derive(base: UInt64.max, property: "seeded", purpose: "init-64", index: 0))
    }

    // `--data` names a folder, and the replay command must pass that folder,
    // not the digits file inside it.
    @Test("replay keeps the data folder")
    func replayKeepsDataFolder() throws {
        let file = try folder.write(try PropertyFixture.traceIdentity(id: "with-data"), named: "with-data.json")
        let data = folder.file("data")
        #expect(SpectralCheckCommand.main(runArguments(["--data", data, file])) == 0)
        let replay = try #require(try decodeResults().properties.first).replayCommand
        #expect(replay
            == "spectral-check run --profile ci --seed 0 --property with-data --data \(data) \(file)")
    }

    // `--property` is documented as repeatable. Ids given as `--property=<id>`
    // are read from the option table, which keeps only the last one.
    @Test("repeated inline property options")
    func repeatedInlineProperty() throws {
        let file = try folder.write(try PropertyFixture.traceIdentity(id: "present"), named: "present.json")
        let result = try spawn(runArguments(["--property=absent", "--property=present", file]))
        #expect(result.status == 2)
    }

    // Editing a calibrated file invalidates its constants; run must reject
    // them and calibrate must replace them.
    @Test("calibrate replaces stale constants")
    func calibrateStaleConstants() throws {
        let document = try PropertyFixture.mainBound(id: "stale")
            .setting(path: ["learningRate"], to: .number(0.04, isInteger: false))
        let file = try folder.write(document, named: "stale.json")
        #expect(throws: PropertyFileError.self) { try PropertyLoader.load(file: file) }
        let (runStatus, _, runErrors) = try spawn(runArguments([file]))
        #expect(runStatus == 2)
        #expect(runErrors.contains("the constants were calibrated for another configuration"), "\(runErrors)")
        let (status, output, _) = try spawn(["calibrate", "--seed", "5", file])
        #expect(status == 0, "output: \(output)")
        let spec = try PropertyLoader.load(file: file)
        #expect(spec.constants?.fingerprint == Calibration.fingerprint(ofDocument: try JSONValue.parse(
            try String(contentsOfFile: file, encoding: .utf8))))
    }

    @Test("constants without fingerprint rejected")
    func constantsWithoutFingerprint() throws {
        let document = try PropertyFixture.mainBound(id: "bare").setting(path: ["constants", "fingerprint"], to: nil)
        let file = try folder.write(document, named: "bare.json")
        #expect(throws: PropertyFileError.self) { try PropertyLoader.load(file: file) }
    }

    @Test("calibrate stores constants in the file")
    func calibrateStoresConstants() throws {
        let document = try PropertyFixture.mainBound(id: "to-calibrate", widthConstant: nil)
        let file = try folder.write(document, named: "to-calibrate.json")
        let (status, output, _) = try spawn(["calibrate", "--seed", "5", file])
        #expect(status == 0)
        #expect(output.hasPrefix("to-calibrate: C_m = "), "output: \(output)")
        #expect(output.contains("(4 cases) -> \(file)"), "2 widths × 1 sample size × 2 seeds")

        let stored = try JSONValue.parse(try String(contentsOfFile: file, encoding: .utf8))
        #expect(stored.keys == document.keys + ["constants"])
        #expect(stored.setting(path: ["constants"], to: nil).isIdentical(to: document), "other keys unchanged")
        let constants = try #require(stored["constants"])
        #expect(constants.keys == ["widthConstant", "sampleConstant", "grid", "baseSeed", "cases", "version",
                                   "calibratedAt", "fingerprint"])
        #expect(constants["baseSeed"] == .string("5"))
        #expect(constants["cases"] == .number(4, isInteger: true))
        #expect(constants["version"] == .string(PackageVersion.string))
        let grid = try JSONValue.parse(#"{"widths": [64, 256], "sampleSizes": [50], "seeds": 2}"#)
        #expect(constants["grid"] == grid)

        let spec = try PropertyLoader.load(file: file)
        let loaded = try #require(spec.constants)
        #expect(loaded.widthConstant > 0)
        #expect(loaded.sampleConstant > 0)
        #expect(constants["widthConstant"] == .number(loaded.widthConstant, isInteger: false))
    }

    @Test("calibrate without main-bound properties exits 2")
    func calibrateNothing() throws {
        let file = try folder.write(try PropertyFixture.traceIdentity(), named: "trace.json")
        let before = try String(contentsOfFile: file, encoding: .utf8)
        #expect(SpectralCheckCommand.main(["calibrate", file]) == 2)
        #expect(try String(contentsOfFile: file, encoding: .utf8) == before)
    }
}
