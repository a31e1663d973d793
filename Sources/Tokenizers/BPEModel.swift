import Foundation

/// The byte-level BPE `model` of tokenizer.json: vocabulary, ranked merges, and the merge loop with a
/// cache of already-tokenized pieces.
final class BPEModel: Sendable {
    /// Vocabulary string (byte-level characters) → id.
    let vocab: [String: Int]
    /// Merge table keyed by the two ids (`left << 32 | right`); value `rank << 32 | mergedID`.
    let merges: [UInt64: UInt64]
    /// Id of the single-character token of each byte, or -1 when the vocabulary lacks it.
    private let byteIDs: [Int]
    private let ignoreMerges: Bool
    private let unknownID: Int?
    private let fuseUnknown: Bool
    private let cache = PieceCache(capacity: 20_000)

    /// - Parameter merges: pairs of vocabulary strings in rank order (rank = position).
    init(vocab: [String: Int], merges: [(String, String)], ignoreMerges: Bool, unknownToken: String?,
         fuseUnknown: Bool, file: String) throws {
        self.vocab = vocab
        self.ignoreMerges = ignoreMerges
        self.fuseUnknown = fuseUnknown
        if let unknownToken {
            guard let id = vocab[unknownToken] else { throw TokenizerError.unknownToken(file: file, token: unknownToken) }
            unknownID = id
        } else {
            unknownID = nil
        }
        var table = [UInt64: UInt64](minimumCapacity: merges.count)
        for (rank, (left, right)) in merges.enumerated() {
            guard let a = vocab[left] else {
                throw TokenizerError.invalidMerge(file: file, index: rank, merge: "\(left) \(right)", reason: "'\(left)' is not in the vocabulary")
            }
            guard let b = vocab[right] else {
                throw TokenizerError.invalidMerge(file: file, index: rank, merge: "\(left) \(right)", reason: "'\(right)' is not in the vocabulary")
            }
            guard let merged = vocab[left + right] else {
                throw TokenizerError.invalidMerge(file: file, index: rank, merge: "\(left) \(right)", reason: "'\(left + right)' is not in the vocabulary")
            }
            let key = UInt64(a) << 32 | UInt64(b)
            if table[key] == nil { table[key] = UInt64(rank) << 32 | UInt64(merged) }
        }
        self.merges = table
        byteIDs = ByteLevelAlphabet.characters.map { vocab[String($0)] ?? -1 }
    }

    /// Appends the ids of one pre-tokenized piece (raw text; its UTF-8 bytes are mapped here).
    func tokenize(_ piece: String, into out: inout [Int]) {
        if let cached = cache.get(piece) {
            out.append(contentsOf: cached)
            return
        }
        let ids = merge(piece)
        cache.set(piece, ids)
        out.append(contentsOf: ids)
    }

    private func merge(_ piece: String) -> [Int] {
        if ignoreMerges, let id = vocab[ByteLevelAlphabet.encode(piece.utf8)] { return [id] }
        let symbols = initialSymbols(piece)
        // Repeatedly merge the adjacent pair of lowest rank (the leftmost one on ties), as HF does.
        // Short pieces: rescan (fast, no allocation); long ones: a priority queue, O(n log n).
        return symbols.count <= 64 ? BPEMerge.byRescanning(symbols, merges) : BPEMerge.byQueue(symbols, merges)
    }

    /// One id per byte (the byte's single-character token), before any merge.
    func initialSymbols(_ piece: String) -> [Int] {
        var symbols = [Int]()
        symbols.reserveCapacity(piece.utf8.count)
        var lastWasUnknown = false
        for byte in piece.utf8 {
            let id = byteIDs[Int(byte)]
            if id >= 0 {
                symbols.append(id)
                lastWasUnknown = false
            } else if let unknownID, !(fuseUnknown && lastWasUnknown) {
                symbols.append(unknownID)
                lastWasUnknown = true
            }
        }
        return symbols
    }
}

/// A bounded, lock-protected map from piece text to ids (cleared when full).
private final class PieceCache: @unchecked Sendable {  // all access goes through `lock`
    private let lock = NSLock()
    private var entries = [String: [Int]]()
    private let capacity: Int

    init(capacity: Int) { self.capacity = capacity }

    func get(_ key: String) -> [Int]? {
        lock.lock(); defer { lock.unlock() }
        return entries[key]
    }

    func set(_ key: String, _ value: [Int]) {
        lock.lock(); defer { lock.unlock() }
        if entries.count >= capacity { entries.removeAll(keepingCapacity: true) }
        entries[key] = value
    }
}
