import Foundation
import Synchronization
import XCTest
@testable import Kernels

/// The kernels' worker threads (KernelThreads behind Parallel.forEach): every item runs exactly once
/// in every region, back to back and after the workers have gone to sleep, and regions started inside
/// a region or from a second thread at once still run every item.
final class KernelThreadsTests: XCTestCase {
    /// Counts how often each item ran (items write disjoint slots).
    private final class Tally: @unchecked Sendable {
        let counts: UnsafeMutablePointer<Int>
        let size: Int
        init(_ size: Int) {
            self.size = size
            counts = .allocate(capacity: size)
            counts.initialize(repeating: 0, count: size)
        }
        deinit { counts.deallocate() }
        func reset() { counts.update(repeating: 0, count: size) }
        func allOnce(_ n: Int) -> Bool { (0..<n).allSatisfy { counts[$0] == 1 } && (n..<size).allSatisfy { counts[$0] == 0 } }
    }

    func testEveryItemRunsOnceInManyRegionsBackToBack() {
        let tally = Tally(64)
        for region in 0..<20_000 {
            let n = 2 + region % 62
            tally.reset()
            Parallel.forEach(n) { tally.counts[$0] += 1 }
            if !tally.allOnce(n) { return XCTFail("region \(region) with \(n) items: \((0..<n).map { tally.counts[$0] })") }
        }
    }

    func testItemsRunOnMoreThanOneThreadWhenThereAreWorkers() throws {
        try XCTSkipIf(Parallel.threadCount < 2, "one kernel thread")
        let threads = Mutex<Set<String>>([])
        Parallel.forEach(64) { _ in
            let name = "\(pthread_self())"
            threads.withLock { _ = $0.insert(name) }
            usleep(1000)
        }
        XCTAssertGreaterThan(threads.withLock { $0.count }, 1)
    }

    func testARegionAfterTheWorkersSleptStillRunsEverything() {
        let tally = Tally(32)
        for _ in 0..<3 {
            usleep(UInt32(KernelThreads.spinSeconds * 4 * 1e6))  // the workers are asleep by now
            tally.reset()
            Parallel.forEach(32) { tally.counts[$0] += 1 }
            XCTAssertTrue(tally.allOnce(32))
        }
    }

    func testNestedRegionsRunInline() {
        let tally = Tally(8 * 8)
        Parallel.forEach(8) { outer in
            Parallel.forEach(8) { inner in tally.counts[outer * 8 + inner] += 1 }
        }
        XCTAssertTrue(tally.allOnce(64))
    }

    func testTwoCallingThreadsAtOnce() {
        let tallies = [Tally(40), Tally(40)]
        let failures = Atomic<Int>(0)
        DispatchQueue.concurrentPerform(iterations: 2) { caller in
            let tally = tallies[caller]
            for _ in 0..<2_000 {
                tally.reset()
                Parallel.forEach(40) { tally.counts[$0] += 1 }
                if !tally.allOnce(40) { failures.add(1, ordering: .relaxed) }
            }
        }
        XCTAssertEqual(failures.load(ordering: .relaxed), 0)
    }
}
