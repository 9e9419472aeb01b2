// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "SpectralCheck",
    products: [
        .library(name: "Theory", targets: ["Theory"]),
        .library(name: "Model", targets: ["Model"]),
        .library(name: "Checker", targets: ["Checker"]),
        .executable(name: "spectral-check", targets: ["spectral-check"]),
    ],
    targets: [
        .systemLibrary(
            name: "CGSL",
            path: "Sources/CGSL",
            providers: [.apt(["libgsl-dev", "liblapacke-dev", "libopenblas-dev"])]
        ),
        .systemLibrary(
            name: "CSQLite",
            path: "Sources/CSQLite",
            providers: [.apt(["libsqlite3-dev"])]
        ),
        .target(name: "Theory", dependencies: ["CGSL"]),
        .target(name: "Model", dependencies: ["Theory", "CGSL"]),
        .target(name: "Checker", dependencies: ["Theory", "Model", "CSQLite"]),
        .executableTarget(name: "spectral-check", dependencies: ["Checker", "Model"]),
        .testTarget(name: "TheoryTests", dependencies: ["Theory", "CGSL"]),
        .testTarget(name: "ModelTests", dependencies: ["Model", "Theory"]),
        .testTarget(
            name: "CheckerTests",
            dependencies: ["Checker"],
            resources: [.copy("Fixtures")]
        ),
    ],
    swiftLanguageModes: [.v5]
)
