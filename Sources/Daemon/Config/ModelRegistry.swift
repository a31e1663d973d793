import Foundation
import RemoteEngine

/// Every model the configuration knows, by name: `qwen` and `aya` (checkpoints under the state
/// directory unless `[models]` moves them) plus each `[models.NAME]` table. Inboxes, folder tags and
/// `--model` name one of them.
public struct ModelRegistry: Sendable, Equatable {
    private var specs: [ModelName: ModelSpec]

    public init(_ specs: [ModelSpec]) {
        self.specs = Dictionary(specs.map { ($0.name, $0) }, uniquingKeysWith: { _, last in last })
    }

    /// `qwen` and `aya` as local checkpoints at the given folders.
    public init(qwen: String, aya: String) {
        self.init([ModelSpec(name: .qwen, source: .checkpoint(path: qwen)),
                   ModelSpec(name: .aya, source: .checkpoint(path: aya))])
    }

    /// `<state_dir>/models/qwen2-vl-ocr-2b` and `<state_dir>/models/aya-vision-8b`.
    public static func defaults(stateDir: String) -> ModelRegistry {
        ModelRegistry(qwen: defaultPath(of: .qwen, stateDir: stateDir), aya: defaultPath(of: .aya, stateDir: stateDir))
    }

    /// Where a built-in model's checkpoint goes by default (nil for other names).
    static func defaultPath(of name: ModelName, stateDir: String) -> String {
        switch name {
        case .qwen: return stateDir + "/models/qwen2-vl-ocr-2b"
        case .aya: return stateDir + "/models/aya-vision-8b"
        default: return stateDir + "/models/" + name.rawValue
        }
    }

    /// Whether `directory` holds a checkpoint: its config.json is a file. Every "model missing"
    /// message (serve at start, the worker, `ocr`, `models list`) keys on this.
    public static func hasCheckpoint(at directory: String) -> Bool {
        var isDirectory: ObjCBool = false
        return FileManager.default.fileExists(atPath: directory + "/config.json", isDirectory: &isDirectory) && !isDirectory.boolValue
    }

    /// Built-in names first, then the others sorted.
    public var names: [ModelName] {
        ModelName.builtIn.filter { specs[$0] != nil } + specs.keys.filter { !ModelName.builtIn.contains($0) }.sorted()
    }

    public var all: [ModelSpec] { names.compactMap { specs[$0] } }

    public subscript(name: ModelName) -> ModelSpec? {
        get { specs[name] }
        set { specs[name] = newValue.map { ModelSpec(name: name, source: $0.source, weights: $0.weights) } }
    }

    /// The spec named by a string from the catalog, a tag or the command line; nil when unknown.
    public func spec(named name: String) -> ModelSpec? {
        ModelName(rawValue: name).flatMap { specs[$0] }
    }

    /// The local checkpoint folder of `qwen` (nil-safe setter: a remote qwen becomes a local one).
    public var qwen: String {
        get { checkpointPath(of: .qwen) }
        set { specs[.qwen] = ModelSpec(name: .qwen, source: .checkpoint(path: newValue)) }
    }

    public var aya: String {
        get { checkpointPath(of: .aya) }
        set { specs[.aya] = ModelSpec(name: .aya, source: .checkpoint(path: newValue)) }
    }

    /// A model's checkpoint folder; "" for a remote or unknown one.
    public func checkpointPath(of name: ModelName) -> String {
        specs[name]?.checkpointPath ?? ""
    }

    /// Moves the checkpoints still at their defaults under `old` to the same place under `new`.
    mutating func moveDefaults(fromStateDir old: String, to new: String) {
        for (name, spec) in specs {
            if case .checkpoint(let path) = spec.source, path == Self.defaultPath(of: name, stateDir: old) {
                specs[name] = ModelSpec(name: name, source: .checkpoint(path: Self.defaultPath(of: name, stateDir: new)), weights: spec.weights)
            }
        }
    }
}
