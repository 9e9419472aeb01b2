/// The gradient buffer of a network's last gradient-descent step, handed to
/// the next step so that it zeroes the buffer in place instead of
/// allocating and faulting in a buffer of the parameters' size again.
struct GradientWorkspace {
    private var kept: NetworkParameters?

    /// Returns a zeroed buffer: the kept one when there is one, else the
    /// result of `makeZeros`.
    mutating func take(orMake makeZeros: () -> NetworkParameters) -> NetworkParameters {
        guard var buffer = kept else { return makeZeros() }
        // Dropping the stored reference first leaves `buffer` unique, so
        // zeroing it does not copy.
        kept = nil
        buffer.setToZero()
        return buffer
    }

    /// Keeps `buffer` for the next `take`.
    mutating func keep(_ buffer: NetworkParameters) {
        kept = buffer
    }
}
