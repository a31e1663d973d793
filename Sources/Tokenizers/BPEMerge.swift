/// The BPE merge loop: repeatedly merge the adjacent pair with the lowest merge rank, the leftmost one
/// when ranks tie, until no adjacent pair has a merge. Two implementations with the same result.
///
/// `merges` maps `left << 32 | right` (ids) to `rank << 32 | mergedID`.
enum BPEMerge {
    /// Scans all pairs for every merge: O(n²), fastest for the short pieces of ordinary text.
    static func byRescanning(_ input: [Int], _ merges: [UInt64: UInt64]) -> [Int] {
        var symbols = input
        while symbols.count > 1 {
            var bestRank = UInt64.max
            var bestIndex = -1
            var bestMerged = 0
            for i in 0..<(symbols.count - 1) {
                if let entry = merges[UInt64(symbols[i]) << 32 | UInt64(symbols[i + 1])] {
                    let rank = entry >> 32
                    if rank < bestRank {
                        bestRank = rank
                        bestIndex = i
                        bestMerged = Int(entry & 0xFFFF_FFFF)
                    }
                }
            }
            guard bestIndex >= 0 else { break }
            symbols[bestIndex] = bestMerged
            symbols.remove(at: bestIndex + 1)
        }
        return symbols
    }

    /// A min-queue of candidate pairs ordered by (rank, position) over a linked list of symbols:
    /// O(n log n), for long pieces (e.g. a run of thousands of letters without a space).
    static func byQueue(_ input: [Int], _ merges: [UInt64: UInt64]) -> [Int] {
        let n = input.count
        guard n > 1 else { return input }
        var ids = input
        var next = Array(1...n)
        next[n - 1] = -1
        var prev = Array(-1..<(n - 1))
        var alive = [Bool](repeating: true, count: n)
        var queue = PairQueue()

        func push(_ i: Int) {
            let j = next[i]
            guard j >= 0, let entry = merges[UInt64(ids[i]) << 32 | UInt64(ids[j])] else { return }
            queue.push(PairQueue.Entry(key: (entry >> 32) << 32 | UInt64(i), left: ids[i], right: ids[j],
                                       merged: Int(entry & 0xFFFF_FFFF)))
        }
        for i in 0..<(n - 1) { push(i) }

        while let top = queue.pop() {
            let i = Int(top.key & 0xFFFF_FFFF)
            let j = next[i]
            // Skip entries made stale by earlier merges.
            guard alive[i], j >= 0, ids[i] == top.left, ids[j] == top.right else { continue }
            ids[i] = top.merged
            alive[j] = false
            next[i] = next[j]
            if next[j] >= 0 { prev[next[j]] = i }
            if prev[i] >= 0 { push(prev[i]) }
            push(i)
        }
        var out = [Int]()
        var i = 0
        while i >= 0 {
            out.append(ids[i])
            i = next[i]
        }
        return out
    }
}

/// A binary min-heap of merge candidates keyed by `rank << 32 | position`.
private struct PairQueue {
    struct Entry {
        var key: UInt64
        var left: Int
        var right: Int
        var merged: Int
    }

    private var heap = [Entry]()

    mutating func push(_ entry: Entry) {
        heap.append(entry)
        var child = heap.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard heap[child].key < heap[parent].key else { break }
            heap.swapAt(child, parent)
            child = parent
        }
    }

    mutating func pop() -> Entry? {
        guard let first = heap.first else { return nil }
        let last = heap.removeLast()
        if !heap.isEmpty {
            heap[0] = last
            var parent = 0
            while true {
                let left = 2 * parent + 1
                let right = left + 1
                var smallest = parent
                if left < heap.count && heap[left].key < heap[smallest].key { smallest = left }
                if right < heap.count && heap[right].key < heap[smallest].key { smallest = right }
                guard smallest != parent else { break }
                heap.swapAt(parent, smallest)
                parent = smallest
            }
        }
        return first
    }
}
