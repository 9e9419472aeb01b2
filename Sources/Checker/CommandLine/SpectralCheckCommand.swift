import Foundation
import Model
import Theory

/// The `spectral-check` command line. `main` returns the exit status.
public enum SpectralCheckCommand {
    /// Runs the command line with `arguments` (without the program name),
    /// writing results to standard output and diagnostics to standard error.
    public static func main(_ arguments: [String]) -> Int32 {
        GSLRuntime.prepare()
        let logger = Logger(label: "spectral-check")
        do {
            guard let command = arguments.first else {
                print(HelpText.main)
                return 2
            }
            let rest = Array(arguments.dropFirst())
            switch command {
            case "--version": print(PackageVersion.string); return 0
            case "--help", "-h", "help": print(HelpText.main); return 0
            case "run": return try run(rest, logger: logger)
            case "calibrate": return try calibrate(rest, logger: logger)
            case "kernel": return try kernel(rest)
            case "spectrum": return try spectrum(rest)
            default:
                throw UsageError("unknown command \"\(command)\"; commands are run, calibrate, kernel, spectrum")
            }
        } catch let error as UsageError {
            FileHandle.standardError.write(Data("error: \(error.message)\n".utf8))
            return 2
        } catch {
            logger.error("command failed", metadata: ["error": "\(error)"])
            FileHandle.standardError.write(Data("error: \(error)\n".utf8))
            return 2
        }
    }

    /// Finds the default property folder: ./properties, else the nearest
    /// properties folder above the executable.
    static func defaultPropertyPaths() throws -> [String] {
        var candidates = [FileManager.default.currentDirectoryPath + "/properties"]
        var url = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
        for _ in 0..<6 {
            candidates.append(url.appendingPathComponent("properties").path)
            url = url.deletingLastPathComponent()
        }
        for candidate in candidates {
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: candidate, isDirectory: &isDirectory), isDirectory.boolValue {
                return [candidate]
            }
        }
        throw UsageError("no properties folder found in \(candidates[0]) or above the executable; pass property files or folders")
    }

    static func parseSeed(_ text: String?) throws -> UInt64 {
        guard let text else { return 0 }
        guard let seed = UInt64(text) else {
            throw UsageError("invalid value \"\(text)\" for --seed; expected an unsigned 64-bit integer")
        }
        return seed
    }

    static func run(_ arguments: [String], logger: Logger) throws -> Int32 {
        let parsed = try ParsedArguments(arguments, valued: ["--profile", "--seed", "--report", "--property", "--data",
                                                             "--store"],
                                         flags: ["--help", "--no-store"], command: "run")
        if parsed.flags.contains("--help") { print(HelpText.run); return 0 }
        if parsed.flags.contains("--no-store") && parsed.options["--store"] != nil {
            throw UsageError("--store and --no-store exclude each other; pass one of them")
        }
        var options = RunOptions()
        options.profile = Profile(rawValue: try parsed.choice("--profile", command: "run", default: "ci",
                                                              allowed: Profile.allCases.map(\.rawValue)))!
        options.baseSeed = try parseSeed(parsed.options["--seed"])
        options.dataFolder = parsed.options["--data"]
        options.propertyIDs = parsed.allValues["--property"] ?? []
        let report = parsed.options["--report"] ?? "reports/latest"
        let paths = parsed.positional.isEmpty ? try defaultPropertyPaths() : parsed.positional
        var specs = try loadSpecs(paths)
        if !options.propertyIDs.isEmpty {
            for id in options.propertyIDs where !specs.contains(where: { $0.id == id }) {
                throw UsageError("no property with id \"\(id)\" in \(paths.joined(separator: " "))")
            }
            specs = specs.filter { options.propertyIDs.contains($0.id) }
        }
        let runner = Runner(logger: logger, progress: ProgressReporter(logger: logger))
        let result = runner.run(specs, options: options)
        print(ReportWriter.table(result))
        for line in ReportWriter.failureLines(result) { print(line) }
        var exitCode = result.exitCode
        do {
            let files = try ReportWriter.write(result, to: report)
            print("report: \((report as NSString).appendingPathComponent("report.md")) (\(files.count) files)")
        } catch {
            let reason = (error as NSError).localizedDescription
            logger.error("report could not be written", metadata: ["report.folder": report, "error": reason])
            FileHandle.standardError.write(Data("error: the report folder \(report) could not be written: \(reason)\n".utf8))
            exitCode = 2
        }
        if !parsed.flags.contains("--no-store") {
            let store = parsed.options["--store"] ?? defaultStorePath
            if !recordRun(result, inStoreAt: store, reportsMissing: options.propertyIDs.isEmpty, logger: logger) {
                exitCode = 2
            }
        }
        return exitCode
    }

    static func loadSpecs(_ paths: [String], checksConstants: Bool = true) throws -> [PropertySpec] {
        do {
            return try PropertyLoader.load(paths: paths, checksConstants: checksConstants)
        } catch let error as PropertyFileError {
            throw UsageError("invalid property file: \(error)")
        }
    }

    static func calibrate(_ arguments: [String], logger: Logger) throws -> Int32 {
        let parsed = try ParsedArguments(arguments, valued: ["--seed", "--data"], flags: ["--help"], command: "calibrate")
        if parsed.flags.contains("--help") { print(HelpText.calibrate); return 0 }
        let seed = try parseSeed(parsed.options["--seed"])
        let dataPath = parsed.options["--data"].map { ($0 as NSString).appendingPathComponent("digits/digits.csv") }
        let paths = parsed.positional.isEmpty ? try defaultPropertyPaths() : parsed.positional
        // The constants are about to be replaced, so a stale fingerprint is
        // no reason to stop.
        let specs = try loadSpecs(paths, checksConstants: false).filter { $0.predicate == .mainBound }
        if specs.isEmpty { throw UsageError("no main-bound properties in \(paths.joined(separator: " ")); nothing to calibrate") }
        let progress = ProgressReporter(logger: logger)
        for spec in specs {
            logger.info("calibration started", metadata: ["property.id": spec.id, "run.seed": "\(seed)"])
            progress.begin("calibrate \(spec.id)")
            let experiment = try Experiment(spec: spec, dataPath: dataPath)
            let grid = spec.calibration!
            let (constants, cases) = try MainBoundPredicate.calibrate(experiment, grid: grid, baseSeed: seed, progress: progress)
            progress.finish()
            try Calibration.store(constants, grid: grid, baseSeed: seed, cases: cases, in: spec.file)
            print("\(spec.id): C_m = \(constants.widthConstant), C_n = \(constants.sampleConstant) (\(cases) cases) -> \(spec.file)")
            logger.info("calibration finished", metadata: ["property.id": spec.id,
                                                            "constants.widthConstant": "\(constants.widthConstant)",
                                                            "constants.sampleConstant": "\(constants.sampleConstant)"])
        }
        return 0
    }

    /// Options that the kernel and spectrum commands share.
    static let architectureOptions = ["--arch", "--activation", "--depth", "--w-std", "--b-std", "--kind",
                                      "--branch-scale", "--filter", "--shape"]

    /// Options that only some families accept, with those families.
    static let familyOptions: [(option: String, families: [String])] = [
        ("--branch-scale", ["resnet"]),
        ("--filter", ["conv"]),
        ("--shape", ["conv"]),
    ]

    /// Parses the architecture options. `inputDimension` is the number of
    /// input columns, which a convolutional shape must match and which is
    /// its default, a 1-D signal.
    static func kernelArguments(_ parsed: ParsedArguments, command: String,
                                inputDimension: Int? = nil) throws -> (ArchitectureSpec, KernelKind) {
        let family = try parsed.choice("--arch", command: command, default: "fc", allowed: ArchitectureSpec.families)
        for (option, families) in familyOptions where parsed.options[option] != nil && !families.contains(family) {
            throw UsageError("option \(option) applies to --arch \(families.joined(separator: "|")), not --arch \(family)")
        }
        let activation = Activation(rawValue: try parsed.choice("--activation", command: command,
                                                                allowed: Activation.allCases.map(\.rawValue)))!
        let weightStd = try parsed.double("--w-std", command: command, valid: { $0 > 0 }, rule: "a positive number")
        let biasStd = try parsed.double("--b-std", command: command, valid: { $0 >= 0 }, rule: "a non-negative number")
        let kind = KernelKind(rawValue: try parsed.choice("--kind", command: command, default: "ntk",
                                                          allowed: KernelKind.allCases.map(\.rawValue)))!
        switch family {
        case "resnet":
            let blocks = try parsed.int("--depth", command: command, range: 1...ResidualKernel.maximumBlocks)
            var branchScale: Double?
            if parsed.options["--branch-scale"] != nil {
                branchScale = try parsed.double("--branch-scale", command: command, valid: { $0 > 0 && $0 <= 10 },
                                                rule: "a number in (0, 10]")
            }
            return (.residual(ResidualKernel(activation: activation, blocks: blocks, weightStd: weightStd,
                                             biasStd: biasStd, branchScale: branchScale)), kind)
        case "conv":
            let depth = try parsed.int("--depth", command: command, range: 1...ConvolutionalKernel.maximumDepth)
            let filterSize = try parsed.int("--filter", command: command, range: 1...4095)
            let shape = try spatialShape(parsed.options["--shape"], default: inputDimension)
            if let problem = CircularWindow.validationProblem(spatialShape: shape, filterSize: filterSize) {
                throw UsageError("invalid --filter \(filterSize) for --shape \(shape.map(String.init).joined(separator: "x")): \(problem)")
            }
            if let inputDimension, shape.reduce(1, *) != inputDimension {
                throw UsageError("--shape \(shape.map(String.init).joined(separator: "x")) has \(shape.reduce(1, *)) "
                    + "positions, but the inputs have \(inputDimension) columns")
            }
            return (.convolutional(ConvolutionalKernel(activation: activation, depth: depth, spatialShape: shape,
                                                       filterSize: filterSize, weightStd: weightStd,
                                                       biasStd: biasStd)), kind)
        default:
            let depth = try parsed.int("--depth", command: command, range: 1...NetworkArchitecture.maximumDepth)
            return (.fullyConnected(FullyConnectedKernel(activation: activation, depth: depth, weightStd: weightStd,
                                                         biasStd: biasStd)), kind)
        }
    }

    /// Parses `--shape`, `P` for a 1-D signal or `HxW` for an image.
    static func spatialShape(_ text: String?, default inputDimension: Int?) throws -> [Int] {
        guard let text else {
            guard let inputDimension else { throw UsageError("--arch conv needs --shape") }
            return [inputDimension]
        }
        let parts = text.split(separator: "x", omittingEmptySubsequences: false)
        let sizes = parts.compactMap { Int($0) }
        guard (1...2).contains(parts.count), sizes.count == parts.count, sizes.allSatisfy({ (1...4096).contains($0) }) else {
            throw UsageError("invalid value \"\(text)\" for --shape; expected P or HxW with sizes in 1...4096, such as 8x8")
        }
        return sizes
    }

    static func kernel(_ arguments: [String]) throws -> Int32 {
        let valued = architectureOptions + ["--inputs"]
        let parsed = try ParsedArguments(arguments, valued: valued, flags: ["--help"], command: "kernel")
        if parsed.flags.contains("--help") { print(HelpText.kernel); return 0 }
        if let extra = parsed.positional.first { throw UsageError("unexpected argument \"\(extra)\"; pass the file with --inputs") }
        let path = try parsed.required("--inputs", command: "kernel")
        let inputs = try MatrixFile.read(path: path)
        let (architecture, kind) = try kernelArguments(parsed, command: "kernel", inputDimension: inputs.columns)
        let kernel = architecture.kernel
        for row in 0..<inputs.rows {
            if let problem = kernel.quadratureAccuracyProblem(inputs: inputs.rows(row..<(row + 1))) {
                throw UsageError("\(path): row \(row + 1): \(problem)")
            }
        }
        let gram = kernel.gram(inputs, kind: kind)
        // Finite inputs can still overflow, for example a squared norm past
        // Double's range, so the output is checked before it is printed.
        if let row = (0..<gram.rows).first(where: { i in (0..<gram.columns).contains { !gram[i, $0].isFinite } }) {
            throw UsageError("\(path): row \(row + 1): the kernel overflows to a non-finite value; "
                + "rescale the inputs")
        }
        var out = ""
        for i in 0..<gram.rows {
            out += (0..<gram.columns).map { "\(gram[i, $0])" }.joined(separator: ",") + "\n"
            if out.utf8.count > 1 << 20 { FileHandle.standardOutput.write(Data(out.utf8)); out = "" }
        }
        FileHandle.standardOutput.write(Data(out.utf8))
        return 0
    }

    /// Returns the error for a family whose kernel has no Funk–Hecke spectrum.
    static func noSpectrum(family: String) -> UsageError {
        UsageError("the \(family) kernel is not a function of <x, x'> alone, so it has no Funk-Hecke spectrum; "
            + "use --arch fc or resnet, or `spectral-check kernel` on sample points")
    }

    static func spectrum(_ arguments: [String]) throws -> Int32 {
        let valued = architectureOptions + ["--dim", "--degrees"]
        let parsed = try ParsedArguments(arguments, valued: valued, flags: ["--help"], command: "spectrum")
        if parsed.flags.contains("--help") { print(HelpText.spectrum); return 0 }
        if let extra = parsed.positional.first { throw UsageError("unexpected argument \"\(extra)\"") }
        // The conv family is rejected before its own options are parsed, so a
        // missing --filter does not hide the reason.
        if let family = parsed.options["--arch"], family == "conv" { throw noSpectrum(family: family) }
        let d = try parsed.int("--dim", command: "spectrum", range: 2...100_000)
        let (architecture, kind) = try kernelArguments(parsed, command: "spectrum", inputDimension: d)
        guard let kernel = architecture.zonalKernel else { throw noSpectrum(family: architecture.family) }
        let degrees = try parsed.int("--degrees", command: "spectrum", range: 0...2000)
        if let problem = architecture.quadratureAccuracyProblem(squaredNorm: Double(d), dimension: d) {
            throw UsageError(problem)
        }
        let values: [SphericalEigenvalue]
        do {
            values = try SphereSpectrum.eigenvalues(of: kernel, kind: kind, dimension: d, maxDegree: degrees)
        } catch let error as NumericalError {
            throw UsageError("the spectrum could not be computed for \(kernel.summary), --dim \(d): \(error)")
        }
        print("k,N(d;k),mu_k")
        for v in values {
            // N(d, k) is an integer, which a Double represents exactly below 2^53.
            let multiplicity = v.multiplicity < 0x1p53 ? "\(Int(v.multiplicity.rounded()))" : "\(v.multiplicity)"
            print("\(v.degree),\(multiplicity),\(v.eigenvalue)")
        }
        return 0
    }
}
