import CKernels
@testable import Kernels
import XCTest

/// The bandwidth probe's reads: each access pattern reads every float exactly once (a pattern that skipped
/// or repeated part of the buffer would report a bandwidth the machine does not have).
final class MemoryBandwidthTests: XCTestCase {
    func testEveryPatternReadsEachFloatOnce() {
        for count in [1, 17, 4096, 16_384 + 5, 1_000_003] {
            let buffer = FloatBuffer(count: count)
            for i in 0..<count { buffer[i] = Float(i % 7) }
            let want = (0..<count).reduce(Float(0)) { $0 + Float($1 % 7) }
            for isa in KernelISA.available {
                for pattern: Int32 in [0, 1] {
                    XCTAssertEqual(ck_stream_read(isa.code, pattern, buffer.pointer, count), want, "\(isa) pattern \(pattern) n \(count)")
                }
            }
        }
    }

    func testTheProbeMeasuresSomething() {
        let rate = MemoryBandwidth.measure(bytes: 64 << 20, passes: 1)
        XCTAssertTrue(rate.isFinite && rate > 1e8, "\(rate) B/s")
    }
}
