import CKernels
import Foundation
import Synchronization

/// The kernels' own worker threads (`Parallel.threadCount − 1` of them; the calling thread is the
/// last worker). A decode step is ~200 parallel regions of 40–800 µs back to back; handing each to
/// Dispatch woke a sleeping thread every time, and on a VM that wake-up left a core idle for a quarter
/// of decode. Between regions these threads spin (with the CPU's pause hint) for `spinSeconds`, then
/// sleep on a condition variable until the next region.
///
/// One region at a time: a region started while another runs (a nested `Parallel.forEach`, or a
/// second engine thread) runs its items on the calling thread, in order.
final class KernelThreads: @unchecked Sendable {
    static let shared = KernelThreads(workers: Parallel.threadCount - 1)

    /// How long an idle worker spins before it sleeps.
    static let spinSeconds = 0.005

    let workers: Int
    /// Bumped once per region; a worker takes part in every generation exactly once.
    private let generation = Atomic<Int>(0)
    private let nextItem = Atomic<Int>(0)
    /// Workers done with the current region (each has finished every item it claimed).
    private let acknowledged = Atomic<Int>(0)
    private let sleepers = Atomic<Int>(0)
    private let inUse = Atomic<Bool>(false)
    // Written by the caller before `generation` is bumped, read by workers after they see it.
    private var itemCount = 0
    /// The region's body: a pointer to the caller's `(Int) -> Void`, so the workers hold no reference to it.
    private var job: UnsafeRawPointer?
    private var mutex = pthread_mutex_t()
    private var wake = pthread_cond_t()

    private init(workers: Int) {
        self.workers = max(0, workers)
        pthread_mutex_init(&mutex, nil)
        pthread_cond_init(&wake, nil)
        for index in 0..<self.workers {
            let thread = Thread { [unowned self] in self.workerLoop() }
            thread.name = "scrawl-kernel-\(index + 1)"
            thread.stackSize = 1 << 20
            thread.start()
        }
    }

    /// Runs `body(i)` for i in 0..<count on the workers and the calling thread; returns when all are done.
    func run(_ count: Int, _ body: (Int) -> Void) {
        guard workers > 0, count > 1, inUse.compareExchange(expected: false, desired: true, ordering: .acquiring).exchanged else {
            for i in 0..<count { body(i) }
            return
        }
        defer { inUse.store(false, ordering: .releasing) }
        // The closure is only called before run returns: every worker acknowledges the region first.
        withoutActuallyEscaping(body) { escapable in
            withUnsafePointer(to: escapable) { pointer in
                job = UnsafeRawPointer(pointer)
                itemCount = count
                nextItem.store(0, ordering: .relaxed)
                acknowledged.store(0, ordering: .relaxed)
                generation.add(1, ordering: .sequentiallyConsistent)
                if sleepers.load(ordering: .sequentiallyConsistent) > 0 {
                    pthread_mutex_lock(&mutex)
                    pthread_cond_broadcast(&wake)
                    pthread_mutex_unlock(&mutex)
                }
                claimItems(job: UnsafeRawPointer(pointer), count: count)
                while acknowledged.load(ordering: .acquiring) < workers { ck_spin_pause() }
                job = nil
            }
        }
    }

    /// Runs unclaimed items of the current region until none is left. Not inlined, so that whatever
    /// reference counting a call through `job` does is over before the worker acknowledges.
    @inline(never)
    private func claimItems(job: UnsafeRawPointer, count: Int) {
        let body = job.assumingMemoryBound(to: ((Int) -> Void).self)
        while true {
            let i = nextItem.wrappingAdd(1, ordering: .relaxed).oldValue
            if i >= count { return }
            body.pointee(i)
        }
    }

    private func workerLoop() {
        var seen = 0
        while true {
            waitForGeneration(after: seen)
            seen = generation.load(ordering: .acquiring)
            if let job { claimItems(job: job, count: itemCount) }
            acknowledged.add(1, ordering: .releasing)
        }
    }

    /// Spins for `spinSeconds`, then sleeps, until a region newer than `seen` starts.
    private func waitForGeneration(after seen: Int) {
        let spinUntil = DispatchTime.now().uptimeNanoseconds + UInt64(Self.spinSeconds * 1e9)
        var spins = 0
        while generation.load(ordering: .acquiring) == seen {
            ck_spin_pause()
            spins += 1
            if spins & 1023 != 0 || DispatchTime.now().uptimeNanoseconds < spinUntil { continue }
            pthread_mutex_lock(&mutex)
            sleepers.add(1, ordering: .sequentiallyConsistent)
            while generation.load(ordering: .sequentiallyConsistent) == seen { pthread_cond_wait(&wake, &mutex) }
            sleepers.subtract(1, ordering: .sequentiallyConsistent)
            pthread_mutex_unlock(&mutex)
        }
    }
}
