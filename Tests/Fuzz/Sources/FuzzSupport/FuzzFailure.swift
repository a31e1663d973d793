#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Reports a broken invariant and aborts, so libFuzzer saves the input as a crash artifact.
/// (Only for the fuzz harnesses: the library code under test must throw instead.)
public func fuzzFailure(_ message: String) -> Never {
    let line = Array("FUZZ INVARIANT BROKEN: \(message)\n".utf8)
    _ = line.withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
    abort()
}

/// The fuzzer's input as a byte array.
public func fuzzBytes(_ start: UnsafeRawPointer?, _ count: Int) -> [UInt8] {
    guard let start, count > 0 else { return [] }
    return [UInt8](UnsafeRawBufferPointer(start: start, count: count))
}
