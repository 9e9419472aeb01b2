import Foundation
import Model
import Theory

/// Reads and validates property files.
public enum PropertyLoader {
    static let topLevelKeys = [
        "id", "predicate", "statement", "architecture", "distribution", "target", "learningRate",
        "times", "delta", "maxDegree", "tolerance", "control", "profiles", "calibration", "constants",
    ]

    /// Loads every `.json` file under the given paths (files or folders,
    /// folders read non-recursively in name order).
    /// Pass `checksConstants: false` to skip the stored constants, as
    /// `calibrate` does before it replaces them.
    /// - Throws: `PropertyFileError` for the first invalid file, or when two
    ///   files declare the same id.
    public static func load(paths: [String], checksConstants: Bool = true) throws -> [PropertySpec] {
        var files: [String] = []
        for path in paths {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
                throw PropertyFileError(file: path, propertyID: nil, key: nil, message: "file or folder not found")
            }
            if isDirectory.boolValue {
                let names = try FileManager.default.contentsOfDirectory(atPath: path).filter { $0.hasSuffix(".json") }.sorted()
                if names.isEmpty {
                    throw PropertyFileError(file: path, propertyID: nil, key: nil, message: "folder contains no .json property files")
                }
                files += names.map { (path as NSString).appendingPathComponent($0) }
            } else {
                files.append(path)
            }
        }
        var specs: [PropertySpec] = []
        for file in files {
            let spec = try load(file: file, checksConstants: checksConstants)
            if let other = specs.first(where: { $0.id == spec.id }) {
                throw PropertyFileError(file: file, propertyID: spec.id, key: "id",
                                        message: "duplicate id; \(other.file) already declares it")
            }
            specs.append(spec)
        }
        return specs
    }

    /// Loads and validates one property file. Stored main-bound constants
    /// must carry the fingerprint of the configuration they were fitted
    /// for, unless `checksConstants` is false, which ignores them.
    public static func load(file: String, checksConstants: Bool = true) throws -> PropertySpec {
        guard let data = FileManager.default.contents(atPath: file) else {
            throw PropertyFileError(file: file, propertyID: nil, key: nil, message: "file not found or not readable")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw PropertyFileError(file: file, propertyID: nil, key: nil, message: "file is not UTF-8 text")
        }
        let document: JSONValue
        do {
            document = try JSONValue.parse(text)
        } catch {
            throw PropertyFileError(file: file, propertyID: nil, key: nil, message: "\(error)")
        }
        guard case let .object(pairs) = document else {
            throw PropertyFileError(file: file, propertyID: nil, key: nil, message: "expected a JSON object at the top level")
        }
        return try parse(StrictObject(pairs, path: "", file: file, propertyID: nil), checksConstants: checksConstants)
    }

    static func parse(_ root: StrictObject, checksConstants: Bool = true) throws -> PropertySpec {
        var root = root
        let id = try root.string("id")
        guard !id.isEmpty, id.allSatisfy({ $0.isASCII && ($0.isLowercase || $0.isNumber || $0 == "-") }) else {
            throw root.error("id", "invalid id \"\(id)\"; use lowercase letters, digits and hyphens")
        }
        root.propertyID = id
        try root.rejectUnknownKeys(allowed: topLevelKeys)
        let predicate = PredicateKind(rawValue: try root.string("predicate", oneOf: PredicateKind.allCases.map(\.rawValue)))!
        let statement = try root.string("statement")
        if statement.trimmingCharacters(in: .whitespaces).isEmpty { throw root.error("statement", "must not be empty") }
        let distribution = try parseDistribution(try root.object("distribution"))
        let architecture = try parseArchitecture(try root.object("architecture"), distribution: distribution)
        if let problem = architecture.quadratureAccuracyProblem(squaredNorm: distribution.inputSquaredNorm,
                                                                dimension: distribution.dimension) {
            throw root.error("architecture", problem)
        }
        let target = root.has("target") ? try parseTarget(try root.object("target"), distribution: distribution) : nil
        if predicate.needsTraining && target == nil {
            throw root.error("target", "missing required key; predicate \(predicate.rawValue) trains a network")
        }
        let learningRate = root.has("learningRate") ? try root.double("learningRate", in: 0...10, exclusiveLower: true) : nil
        if predicate.needsTraining && learningRate == nil {
            throw root.error("learningRate", "missing required key; predicate \(predicate.rawValue) trains a network")
        }
        let times = try root.doubleArray("times", in: 0...1000, exclusiveLower: true)
        if zip(times, times.dropFirst()).contains(where: { $0 >= $1 }) {
            throw root.error("times", "times must be strictly increasing")
        }
        let delta = root.has("delta") ? try root.double("delta", in: 0...1, exclusiveLower: true) : 0.05
        let maxDegree = root.has("maxDegree") ? try root.int("maxDegree", in: 2...2000) : nil
        if let learningRate, let first = times.first, first < learningRate {
            throw root.error("times", "time \(first) is below the learning rate \(learningRate) and would snap to step 0; raise the time or lower learningRate")
        }
        let (tolerance, reason) = try parseTolerance(try root.object("tolerance"), predicate: predicate)
        let controlName = try root.string("control", oneOf: predicate.allowedControls.map(\.rawValue))
        let profilesObject = try root.object("profiles")
        try profilesObject.rejectUnknownKeys(allowed: Profile.allCases.map(\.rawValue))
        var profiles: [Profile: CaseGrid] = [:]
        for profile in Profile.allCases {
            profiles[profile] = try parseGrid(try profilesObject.object(profile.rawValue), predicate: predicate)
        }
        let calibration = root.has("calibration") ? try parseGrid(try root.object("calibration"), predicate: predicate) : nil
        var constants: BoundConstants?
        if checksConstants && root.has("constants") { constants = try parseConstants(try root.object("constants")) }
        if predicate == .mainBound && calibration == nil {
            throw root.error("calibration", "missing required key; main-bound needs a calibration grid")
        }
        let fingerprint = Calibration.fingerprint(root)
        if let stored = constants?.fingerprint, stored != fingerprint {
            throw root.error("constants", "the constants were calibrated for another configuration (fingerprint \(stored), now \(fingerprint)); run `spectral-check calibrate \(root.file)`")
        }
        return PropertySpec(id: id, predicate: predicate, statement: statement, architecture: architecture,
                            distribution: distribution, target: target, learningRate: learningRate,
                            times: times, delta: delta, maxDegree: maxDegree, tolerance: tolerance,
                            toleranceReason: reason, control: ControlKind(rawValue: controlName)!,
                            profiles: profiles, calibration: calibration, constants: constants,
                            configurationFingerprint: fingerprint, file: root.file)
    }

    static func parseArchitecture(_ object: StrictObject, distribution: DistributionSpec) throws -> ArchitectureSpec {
        let family = try object.string("family", oneOf: ArchitectureSpec.families)
        let activation = Activation(rawValue: try object.string("activation", oneOf: Activation.allCases.map(\.rawValue)))!
        let weightStd = try object.double("weightStd", in: 0...100, exclusiveLower: true)
        let biasStd = try object.double("biasStd", in: 0...100)
        let architecture: ArchitectureSpec
        switch family {
        case "resnet":
            try object.rejectUnknownKeys(allowed: ["family", "activation", "blocks", "branchScale", "weightStd", "biasStd"])
            let blocks = try object.int("blocks", in: 1...ResidualKernel.maximumBlocks)
            let branchScale = object.has("branchScale")
                ? try object.double("branchScale", in: 0...10, exclusiveLower: true) : nil
            architecture = .residual(ResidualKernel(activation: activation, blocks: blocks, weightStd: weightStd,
                                                    biasStd: biasStd, branchScale: branchScale))
        case "conv":
            try object.rejectUnknownKeys(allowed: ["family", "activation", "depth", "spatialShape", "filterSize",
                                                   "weightStd", "biasStd"])
            let depth = try object.int("depth", in: 1...ConvolutionalKernel.maximumDepth)
            let shape = try object.intArray("spatialShape", in: 1...4096)
            if !(1...2).contains(shape.count) {
                throw object.error("spatialShape", "expected [P] for a signal or [H, W] for an image, got \(shape.count) axes")
            }
            if case .digits = distribution, shape != [8, 8] {
                throw object.error("spatialShape", "the digits are 8x8 images, so the shape must be [8, 8], got \(shape)")
            }
            let filterSize = try object.int("filterSize", in: 1...4095)
            if let problem = CircularWindow.validationProblem(spatialShape: shape, filterSize: filterSize) {
                throw object.error("filterSize", problem)
            }
            let positions = shape.reduce(1, *)
            if positions != distribution.dimension {
                throw object.error("spatialShape", "the shape \(shape) has \(positions) positions, but the "
                    + "distribution's inputs have \(distribution.dimension) entries; use [\(distribution.dimension)] "
                    + "to read each input as a signal")
            }
            architecture = .convolutional(ConvolutionalKernel(activation: activation, depth: depth, spatialShape: shape,
                                                              filterSize: filterSize, weightStd: weightStd,
                                                              biasStd: biasStd))
        default:
            try object.rejectUnknownKeys(allowed: ["family", "activation", "depth", "weightStd", "biasStd"])
            let depth = try object.int("depth", in: 1...NetworkArchitecture.maximumDepth)
            architecture = .fullyConnected(FullyConnectedKernel(activation: activation, depth: depth,
                                                                weightStd: weightStd, biasStd: biasStd))
        }
        return architecture
    }

    static func parseDistribution(_ object: StrictObject) throws -> DistributionSpec {
        let kind = try object.string("kind", oneOf: ["circle", "sphere", "sphere-sample", "digits"])
        switch kind {
        case "circle":
            try object.rejectUnknownKeys(allowed: ["kind", "nodes"])
            return .circle(nodes: try object.int("nodes", in: 8...20000))
        case "sphere":
            try object.rejectUnknownKeys(allowed: ["kind", "dimension", "polarNodes", "azimuthalNodes"])
            _ = try object.int("dimension", in: 3...3)
            return .sphere2(polar: try object.int("polarNodes", in: 2...200),
                            azimuthal: try object.int("azimuthalNodes", in: 2...400))
        case "sphere-sample":
            try object.rejectUnknownKeys(allowed: ["kind", "dimension", "nodes"])
            return .sphereSample(dimension: try object.int("dimension", in: 2...4096),
                                 nodes: try object.int("nodes", in: 16...20000))
        default:
            try object.rejectUnknownKeys(allowed: ["kind", "norm"])
            return .digits(norm: object.has("norm") ? try object.double("norm", in: 0...1e6, exclusiveLower: true) : 8)
        }
    }

    static func parseTarget(_ object: StrictObject, distribution: DistributionSpec) throws -> TargetSpec {
        let kind = try object.string("kind", oneOf: ["zonal", "labels"])
        if kind == "zonal" {
            try object.rejectUnknownKeys(allowed: ["kind", "terms"])
            guard distribution.isSphere else {
                throw object.error("kind", "a zonal target needs a sphere distribution; use labels for digits")
            }
            let terms = try object.objectArray("terms").map { term -> (degree: Int, coefficient: Double) in
                try term.rejectUnknownKeys(allowed: ["degree", "coefficient"])
                return (try term.int("degree", in: 0...200), try term.double("coefficient", in: -1e6...1e6))
            }
            return .zonal(terms: terms)
        }
        try object.rejectUnknownKeys(allowed: ["kind", "positive"])
        guard case .digits = distribution else {
            throw object.error("kind", "a labels target needs the digits distribution")
        }
        let positive = try object.intArray("positive", in: 0...9)
        if Set(positive).count != positive.count { throw object.error("positive", "classes must be distinct") }
        if positive.count == 10 { throw object.error("positive", "at least one class must be negative") }
        return .labels(positive: positive.sorted())
    }

    static func parseTolerance(_ object: StrictObject, predicate: PredicateKind) throws -> ([String: Double], String) {
        let keys = predicate.toleranceKeys
        try object.rejectUnknownKeys(allowed: keys.map(\.0) + ["reason"])
        var values: [String: Double] = [:]
        for (key, range) in keys { values[key] = try object.double(key, in: range) }
        let reason = try object.string("reason")
        if reason.trimmingCharacters(in: .whitespaces).isEmpty {
            throw object.error("reason", "must state where the tolerances come from")
        }
        return (values, reason)
    }

    /// The smallest width m = round(c·n) that width-of-order-n accepts.
    static let minimumOrderNWidth = 32

    static func parseGrid(_ object: StrictObject, predicate: PredicateKind) throws -> CaseGrid {
        // width-of-order-n ties the width to the sample size, so its grid
        // lists ratios c of m = c·n in place of widths.
        let widthKey = predicate == .widthOfOrderN ? "widthRatios" : "widths"
        try object.rejectUnknownKeys(allowed: [widthKey, "sampleSizes", "seeds", "budgetSeconds"])
        let widths = predicate == .widthOfOrderN ? [] : try object.intArray("widths", in: 1...65536)
        let ratios = predicate == .widthOfOrderN ? try object.doubleArray("widthRatios", in: 0...64, exclusiveLower: true) : []
        let sampleSizes = try object.intArray("sampleSizes", in: 2...20000)
        let seeds = try object.int("seeds", in: 1...1000)
        let budget = try object.int("budgetSeconds", in: 1...86400)
        if predicate == .widthExponent && Set(widths).count < 3 {
            throw object.error("widths", "width-exponent needs at least three distinct widths")
        }
        if predicate == .ntkAtInitialization && seeds < 2 {
            throw object.error("seeds", "ntk-at-init needs at least 2 seeds to estimate a standard error")
        }
        if (predicate == .sampleExponent || predicate == .widthOfOrderN) && Set(sampleSizes).count < 3 {
            throw object.error("sampleSizes", "\(predicate.rawValue) needs at least three distinct sample sizes")
        }
        if predicate == .widthOfOrderN && Set(ratios).count < 3 {
            throw object.error("widthRatios", "width-of-order-n needs at least three distinct ratios")
        }
        if predicate == .drift && Set(widths).count < 3 {
            throw object.error("widths", "drift needs at least three distinct widths")
        }
        // A handful of units is far from the kernel regime, where the gap
        // can still shrink with n for reasons the theorem does not cover.
        if predicate == .widthOfOrderN, let c = ratios.min(), let n = sampleSizes.min(),
           (c * Double(n)).rounded() < Double(minimumOrderNWidth) {
            throw object.error("widthRatios", "ratio \(c) at sample size \(n) gives width \(Int((c * Double(n)).rounded())), "
                + "below the minimum \(minimumOrderNWidth); raise the ratio or the smallest sample size")
        }
        return CaseGrid(widths: widths, widthRatios: ratios, sampleSizes: sampleSizes, seedCount: seeds,
                        budgetSeconds: budget)
    }

    static func parseConstants(_ object: StrictObject) throws -> BoundConstants {
        try object.rejectUnknownKeys(allowed: ["widthConstant", "sampleConstant", "grid", "baseSeed", "seeds",
                                               "version", "calibratedAt", "cases", "fingerprint"])
        // The fingerprint is required, so constants cannot outlive an edit of
        // the configuration they were fitted for.
        return BoundConstants(widthConstant: try object.double("widthConstant", in: 0...1e9),
                              sampleConstant: try object.double("sampleConstant", in: 0...1e9),
                              fingerprint: try object.string("fingerprint"))
    }
}
