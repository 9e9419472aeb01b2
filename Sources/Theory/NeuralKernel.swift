import Foundation

/// The infinite-width NNGP and NTK of one network family, evaluated on the
/// rows of input matrices.
///
/// Conforming types are value types that hold only the architecture's
/// scales, so a kernel can be shared across threads.
public protocol NeuralKernel: Sendable {
    /// The network family, `fc`, `resnet` or `conv`, as written in property
    /// files and on the command line.
    var family: String { get }
    /// A one-line description of the architecture for reports and logs.
    var summary: String { get }
    /// Computes the Gram matrix K(x_i, x_j) of the rows of `inputs`.
    func gram(_ inputs: Matrix, kind: KernelKind) -> Matrix
    /// Computes K(x_i, y_j) between the rows of `x` and the rows of `y`.
    func cross(_ x: Matrix, _ y: Matrix, kind: KernelKind) -> Matrix
    /// Returns a sentence saying why the Gaussian expectations would be
    /// inaccurate on the rows of `inputs`, or nil when they are exact or
    /// within the quadrature's stated accuracy.
    func quadratureAccuracyProblem(inputs: Matrix) -> String?
}

/// A kernel that depends on its inputs only through ⟨x, x'⟩ when both lie on
/// the sphere of radius √d, so that spherical harmonics are its
/// eigenfunctions under the uniform measure (Funk–Hecke).
public protocol ZonalKernel: NeuralKernel {
    /// Evaluates κ(u) = K(x, x') for ‖x‖ = ‖x'‖ = √d and ⟨x, x'⟩ = d u.
    func onSphere(cosine u: Double, kind: KernelKind) -> Double
}
