import Foundation

/// A value inside a template: the Python objects jinja2 works with, as far as chat templates use them.
public enum Value {
    /// A missing variable, attribute or item. Renders as nothing; most other uses fail with `reason`
    /// (jinja2's default `Undefined`).
    case undefined(reason: String)
    case none
    case bool(Bool)
    case int(Int)
    case float(Double)
    case string(String)
    /// A string marked safe (`|safe`, `|escape`): jinja2's `Markup`. Adding a plain string to it
    /// HTML-escapes that string; otherwise it behaves as a string.
    case markup(String)
    case list([Value])
    /// A generator (what `map`, `select`, `selectattr`, `reject`, `unique`, `batch`, `reverse` return):
    /// iterable once, always true, no length, not JSON-serialisable.
    case iterator([Value])
    /// A Python tuple (from `(a, b)`, `|items`, `|dictsort`); prints with parentheses.
    case tuple([Value])
    case dict(OrderedDict)
    /// `namespace(...)`: the one mutable object (`{% set ns.x = ... %}`).
    case namespace(Namespace)
    /// A macro, global function or bound method.
    case callable(Callable)
    /// The `loop` variable of a for loop.
    case loop(LoopState)

    public static func undefinedName(_ name: String) -> Value { .undefined(reason: "'\(name)' is undefined") }

    /// Python's `bool(x)`.
    public var isTruthy: Bool {
        switch self {
        case .undefined, .none: return false
        case let .bool(b): return b
        case let .int(i): return i != 0
        case let .float(d): return d != 0
        case let .string(s), let .markup(s): return !s.isEmpty
        case let .list(a), let .tuple(a): return !a.isEmpty
        case .iterator: return true
        case let .dict(d): return !d.isEmpty
        case .namespace, .callable, .loop: return true
        }
    }

    /// A Markup as the plain string it is; every other value unchanged.
    var plain: Value {
        if case let .markup(s) = self { return .string(s) }
        return self
    }

    public var isUndefined: Bool {
        if case .undefined = self { return true }
        return false
    }

    /// The Python type name, as error messages spell it.
    var typeName: String {
        switch self {
        case .undefined: return "Undefined"
        case .none: return "NoneType"
        case .bool: return "bool"
        case .int: return "int"
        case .float: return "float"
        case .string: return "str"
        case .markup: return "Markup"
        case .list: return "list"
        case .iterator: return "generator"
        case .tuple: return "tuple"
        case .dict: return "dict"
        case .namespace: return "Namespace"
        case .callable: return "function"
        case .loop: return "LoopContext"
        }
    }
}

/// A dict that keeps insertion order, like Python's. Dicts in chat templates are small (a message's
/// few keys), so lookup is a scan with Python equality.
public struct OrderedDict {
    public private(set) var keys: [Value] = []
    public private(set) var values: [Value] = []

    public init() {}

    public init(_ pairs: [(String, Value)]) {
        for (k, v) in pairs { self[.string(k)] = v }
    }

    public var isEmpty: Bool { keys.isEmpty }
    public var count: Int { keys.count }

    func index(of key: Value) -> Int? {
        if case let .string(s) = key {
            for (i, k) in keys.enumerated() {
                if case let .string(t) = k, pyStringEqual(s, t) { return i }
            }
            return nil
        }
        return keys.firstIndex { pyEqual($0, key) }
    }

    public subscript(key: Value) -> Value? {
        get { index(of: key).map { values[$0] } }
        set {
            if let i = index(of: key) {
                if let newValue { values[i] = newValue } else { keys.remove(at: i); values.remove(at: i) }
            } else if let newValue {
                keys.append(key)
                values.append(newValue)
            }
        }
    }

    public subscript(key: String) -> Value? { self[.string(key)] }

    var pairs: Zip2Sequence<[Value], [Value]> { zip(keys, values) }
}

/// `namespace(...)`: attributes assignable from inside loops.
public final class Namespace {
    var attributes: OrderedDict
    init(_ attributes: OrderedDict) { self.attributes = attributes }
}

/// Something a template can call: arguments are evaluated values, keyword arguments keep their order.
public final class Callable {
    let name: String
    let call: (_ args: [Value], _ kwargs: [(String, Value)]) throws -> Value
    init(name: String, call: @escaping (_ args: [Value], _ kwargs: [(String, Value)]) throws -> Value) {
        self.name = name
        self.call = call
    }
}

/// jinja2's `LoopContext`: what `loop.*` reads inside a for loop.
public final class LoopState {
    let items: [Value]
    var index0 = 0
    let depth0: Int
    var recurse: Callable?
    init(items: [Value], depth0: Int) {
        self.items = items
        self.depth0 = depth0
    }
}

extension Value: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByBooleanLiteral,
    ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral, ExpressibleByNilLiteral, ExpressibleByFloatLiteral
{
    public init(stringLiteral value: String) { self = .string(value) }
    public init(integerLiteral value: Int) { self = .int(value) }
    public init(floatLiteral value: Double) { self = .float(value) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(arrayLiteral elements: Value...) { self = .list(elements) }
    public init(dictionaryLiteral elements: (String, Value)...) { self = .dict(OrderedDict(elements)) }
    public init(nilLiteral: ()) { self = .none }
}
