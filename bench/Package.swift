// swift-tools-version:6.0
import PackageDescription

// A separate package so that the benchmark executable and its build stay out
// of the main package's products and test runs.
let package = Package(
    name: "SpectralBench",
    dependencies: [
        .package(name: "SpectralCheck", path: ".."),
    ],
    targets: [
        .executableTarget(
            name: "spectral-bench",
            dependencies: [
                .product(name: "Theory", package: "SpectralCheck"),
                .product(name: "Model", package: "SpectralCheck"),
                .product(name: "Checker", package: "SpectralCheck"),
            ]
        ),
    ],
    swiftLanguageModes: [.v5]
)
