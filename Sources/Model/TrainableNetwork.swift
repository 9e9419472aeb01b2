import Theory

/// A finite network with a scalar output that full-batch gradient descent
/// can train and whose empirical NTK can be measured.
///
/// Parameters of every family are stored as `NetworkParameters`: one weight
/// matrix per layer, and one bias vector per layer that is either empty (a
/// layer without bias) or has one entry per weight row. Loss, gradients and
/// kernels follow the conventions of `FullyConnectedNetwork`: the loss is
/// `Φ = (1/2n) Σ_i (f(x_i) − y_i)²`, and the empirical NTK is
/// `K(x, x') = ⟨∇_θ f(x), ∇_θ f(x')⟩` over all parameters.
public protocol TrainableNetwork: AnyObject {
    /// Number of columns each input row must have.
    var inputDimension: Int { get }
    /// The current parameters.
    var parameters: NetworkParameters { get }
    /// Number of trainable scalars.
    var parameterCount: Int { get }

    /// Returns an independent network with the same parameters.
    func copy() -> Self
    /// Computes `f(x_i)` for every row of `inputs`.
    func outputs(_ inputs: Matrix) -> [Double]
    /// Computes the loss, the residual `f(X) − y` and `∇_θ Φ` in one pass.
    func lossEvaluation(inputs: Matrix, targets: [Double]) -> LossEvaluation
    /// Takes one step `θ ← θ − η ∇Φ(θ)` and returns `Φ` before it.
    @discardableResult
    func step(learningRate: Double, inputs: Matrix, targets: [Double]) -> Double
    /// Adds `scale * direction` to the parameters.
    func moveParameters(along direction: NetworkParameters, scaledBy scale: Double)
    /// Returns `‖θ − other‖` over all parameters.
    func parameterDistance(to other: NetworkParameters) -> Double
    /// Computes `J v`, the derivative of the outputs on the rows of `inputs`
    /// along the parameter direction `v`, without forming `J`.
    func jacobianVectorProduct(_ inputs: Matrix, direction: NetworkParameters) -> [Double]
    /// Computes the empirical NTK Gram matrix of the rows of `inputs`,
    /// exactly symmetric.
    func ntkGram(_ inputs: Matrix) -> Matrix
    /// Computes the empirical NTK between the rows of `x` and of `y`.
    func ntkCross(_ x: Matrix, _ y: Matrix) -> Matrix
    /// Computes the readout layer's share of the empirical NTK,
    /// `s² ⟨a(x_i), a(x_j)⟩ + σ_b²` over the last features `a` that the
    /// readout weights multiply. It is an empirical NNGP kernel, used as a
    /// negative control.
    func nngpFeatureGram(_ inputs: Matrix) -> Matrix
}

extension FullyConnectedNetwork: TrainableNetwork {
    public var inputDimension: Int { architecture.inputDimension }

    public func ntkGram(_ inputs: Matrix) -> Matrix {
        ntkGram(inputs, featureBytesLimit: Self.defaultFeatureBytesLimit)
    }

    public func ntkCross(_ x: Matrix, _ y: Matrix) -> Matrix {
        ntkCross(x, y, featureBytesLimit: Self.defaultFeatureBytesLimit)
    }
}
