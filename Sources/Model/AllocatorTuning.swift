import CGSL

/// Process-wide settings of the C allocator for training loops.
public enum AllocatorTuning {
    /// Makes glibc's `malloc` keep freed blocks of up to 32 MiB in its heap
    /// instead of returning them to the kernel with `munmap`.
    ///
    /// A gradient-descent step allocates and frees temporaries of tens of
    /// megabytes. With glibc's default thresholds each one is a fresh
    /// mapping whose pages fault in and are zeroed again, which cost a
    /// quarter of the CPU time of a width-2048 training loop in the
    /// benchmark. Raising `M_MMAP_THRESHOLD` to its 32 MiB maximum on 64-bit
    /// glibc and `M_TRIM_THRESHOLD` to 1 GiB lets the heap reuse them, at
    /// the price of keeping up to that much freed memory mapped. Programs
    /// call this once at start-up. It does nothing where glibc is absent.
    /// - Returns: whether both settings were accepted.
    @discardableResult
    public static func reuseLargeAllocations() -> Bool {
        cgsl_reuse_large_allocations() == 1
    }
}
