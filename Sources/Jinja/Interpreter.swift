import Foundation

/// Variables visible at one point of a render: a chain of frames (template, loop iteration, macro
/// call), as jinja2 scopes them: a loop iteration and a macro call get their own frame; `if` does not.
final class Scope {
    var vars: [String: Value] = [:]
    let parent: Scope?
    init(parent: Scope?) { self.parent = parent }

    func lookup(_ name: String) -> Value? {
        var s: Scope? = self
        while let frame = s {
            if let v = frame.vars[name] { return v }
            s = frame.parent
        }
        return nil
    }
}

/// Walks the statement tree of one render.
final class Interpreter {
    let sourceName: String
    let now: Date
    var line = 1
    private var callDepth = 0
    private var iterations = 0

    init(sourceName: String, now: Date) {
        self.sourceName = sourceName
        self.now = now
    }

    enum Flow { case normal, breakLoop, continueLoop }

    func wrap(_ error: Error) -> Error {
        guard let e = error as? EvalError else { return error }
        switch e {
        case let .runtime(m): return JinjaError.runtime(source: sourceName, line: line, message: m)
        case let .unsupported(c): return JinjaError.unsupported(source: sourceName, line: line, construct: c)
        case let .raised(m): return JinjaError.raised(source: sourceName, line: line, message: m)
        }
    }

    // MARK: statements

    func execute(_ body: [Stmt], _ scope: Scope, _ out: inout String) throws -> Flow {
        for stmt in body {
            switch stmt {
            case let .text(s):
                out += s
            case let .output(e, line):
                self.line = line
                out += try evaluate(e, scope).pyStr
            case let .ifElse(branches, otherwise):
                var taken = false
                for (condition, branch) in branches where try evaluate(condition, scope).isTruthy {
                    taken = true
                    let flow = try execute(branch, scope, &out)
                    if flow != .normal { return flow }
                    break
                }
                if !taken {
                    let flow = try execute(otherwise, scope, &out)
                    if flow != .normal { return flow }
                }
            case let .forLoop(target, iterable, condition, body, otherwise, recursive, line):
                self.line = line
                let items = try iterate(try evaluate(iterable, scope))
                try runLoop(items: items, target: target, condition: condition, body: body, otherwise: otherwise,
                            recursive: recursive, depth0: 0, scope: scope, out: &out)
            case let .set(target, e, line):
                self.line = line
                try assign(target, try evaluate(e, scope), scope)
            case let .setBlock(target, body, filters, line):
                var captured = ""
                _ = try execute(body, scope, &captured)
                self.line = line
                var value = Value.string(captured)
                for (name, args, kwargs) in filters {
                    value = try applyFilter(name, value, args.map { try evaluate($0, scope) }, kwargs.map { ($0.0, try evaluate($0.1, scope)) })
                }
                try assign(target, value, scope)
            case let .macro(definition):
                scope.vars[definition.name] = .callable(makeMacro(definition, scope: scope))
            case let .callBlock(call, parameters, body, line):
                self.line = line
                let caller = makeMacro(MacroDefinition(name: "caller", parameters: parameters, body: body, line: line), scope: scope)
                guard case let .call(callee, args, kwargs, _) = call else { throw wrap(EvalError.runtime("call block without a call")) }
                let f = try evaluate(callee, scope)
                let argv = try args.map { try evaluate($0, scope) }
                var kw = try kwargs.map { ($0.0, try evaluate($0.1, scope)) }
                kw.append(("caller", .callable(caller)))
                out += try invoke(f, argv, kw).pyStr
            case let .filterBlock(filters, body, line):
                var captured = ""
                _ = try execute(body, Scope(parent: scope), &captured)
                self.line = line
                var value = Value.string(captured)
                for (name, args, kwargs) in filters {
                    value = try applyFilter(name, value, args.map { try evaluate($0, scope) }, kwargs.map { ($0.0, try evaluate($0.1, scope)) })
                }
                out += value.pyStr
            case let .breakLoop(line):
                self.line = line
                return .breakLoop
            case let .continueLoop(line):
                self.line = line
                return .continueLoop
            case let .generation(body):
                _ = try execute(body, Scope(parent: scope), &out)
            }
        }
        return .normal
    }

    private func runLoop(items allItems: [Value], target: Target, condition: Expr?, body: [Stmt], otherwise: [Stmt],
                         recursive: Bool, depth0: Int, scope: Scope, out: inout String) throws {
        var items = allItems
        if let condition {
            items = try allItems.filter { item in
                let probe = Scope(parent: scope)
                try assign(target, item, probe)
                return try evaluate(condition, probe).isTruthy
            }
        }
        if items.isEmpty {
            _ = try execute(otherwise, scope, &out)
            return
        }
        let state = LoopState(items: items, depth0: depth0)
        if recursive {
            state.recurse = Callable(name: "loop") { [unowned self] args, _ in
                guard let first = args.first else { throw EvalError.runtime("loop() takes one argument") }
                var nested = ""
                try self.runLoop(items: try self.iterate(first), target: target, condition: condition, body: body,
                                 otherwise: [], recursive: true, depth0: depth0 + 1, scope: scope, out: &nested)
                return .string(nested)
            }
        }
        for (index, item) in items.enumerated() {
            iterations += 1
            guard iterations <= Limits.maxIterations else {
                throw EvalError.runtime("the template ran more than \(Limits.maxIterations) loop iterations")
            }
            state.index0 = index
            let frame = Scope(parent: scope)
            try assign(target, item, frame)
            frame.vars["loop"] = .loop(state)
            if try execute(body, frame, &out) == .breakLoop { break }
        }
    }

    /// The items a for loop visits (Python `iter(x)`).
    func iterate(_ v: Value) throws -> [Value] {
        switch v.plain {
        case let .list(a), let .tuple(a), let .iterator(a): return a
        case let .dict(d): return d.keys
        case let .string(s): return s.unicodeScalars.map { .string(String($0)) }
        case .undefined: return []
        case let .namespace(n): return n.attributes.keys
        default: throw EvalError.runtime("'\(v.typeName)' object is not iterable")
        }
    }

    func assign(_ target: Target, _ value: Value, _ scope: Scope) throws {
        switch target {
        case let .name(n):
            scope.vars[n] = value
        case let .tuple(targets):
            let parts = try iterate(value)
            guard parts.count == targets.count else {
                throw EvalError.runtime(parts.count < targets.count
                    ? "not enough values to unpack (expected \(targets.count), got \(parts.count))"
                    : "too many values to unpack (expected \(targets.count))")
            }
            for (t, p) in zip(targets, parts) { try assign(t, p, scope) }
        case let .attribute(ns, attr):
            guard case let .namespace(n)? = scope.lookup(ns) else {
                throw EvalError.runtime("cannot assign attribute on non-namespace object")
            }
            n.attributes[.string(attr)] = value
        }
    }

    private func makeMacro(_ definition: MacroDefinition, scope defining: Scope) -> Callable {
        Callable(name: definition.name) { [unowned self] args, kwargs in
            let frame = Scope(parent: defining)
            var rest = kwargs
            guard args.count <= definition.parameters.count else {
                throw EvalError.runtime("macro '\(definition.name)' takes not more than \(definition.parameters.count) argument(s)")
            }
            for (i, (name, defaultExpr)) in definition.parameters.enumerated() {
                if i < args.count {
                    frame.vars[name] = args[i]
                } else if let k = rest.firstIndex(where: { $0.0 == name }) {
                    frame.vars[name] = rest.remove(at: k).1
                } else if let defaultExpr {
                    frame.vars[name] = try self.evaluate(defaultExpr, frame)
                } else {
                    frame.vars[name] = .undefined(reason: "parameter '\(name)' was not provided")
                }
            }
            if let k = rest.firstIndex(where: { $0.0 == "caller" }) {
                frame.vars["caller"] = rest.remove(at: k).1
            }
            if let extra = rest.first {
                throw EvalError.runtime("macro '\(definition.name)' takes no keyword argument '\(extra.0)'")
            }
            var out = ""
            let savedLine = self.line
            self.callDepth += 1
            defer { self.callDepth -= 1 }
            guard self.callDepth <= Limits.maxCallDepth else {
                throw EvalError.runtime("macro '\(definition.name)' nested more than \(Limits.maxCallDepth) calls deep")
            }
            _ = try self.execute(definition.body, frame, &out)
            self.line = savedLine
            return .string(out)
        }
    }

    // MARK: expressions

    func evaluate(_ expr: Expr, _ scope: Scope) throws -> Value {
        do {
            return try evaluateUnwrapped(expr, scope)
        } catch let e as EvalError {
            throw wrap(e)
        }
    }

    private func evaluateUnwrapped(_ expr: Expr, _ scope: Scope) throws -> Value {
        switch expr {
        case let .literal(l):
            return l.value
        case let .name(n, line):
            self.line = line
            return scope.lookup(n) ?? globals(n) ?? .undefinedName(n)
        case let .list(items):
            return .list(try items.map { try evaluateUnwrapped($0, scope) })
        case let .tuple(items):
            return .tuple(try items.map { try evaluateUnwrapped($0, scope) })
        case let .dict(pairs):
            var d = OrderedDict()
            for (k, v) in pairs { d[try evaluateUnwrapped(k, scope)] = try evaluateUnwrapped(v, scope) }
            return .dict(d)
        case let .attribute(base, name, line):
            let b = try evaluateUnwrapped(base, scope)
            self.line = line
            return try getAttribute(b, name)
        case let .item(base, key, line):
            let b = try evaluateUnwrapped(base, scope)
            let k = try evaluateUnwrapped(key, scope)
            self.line = line
            return try getItem(b, k)
        case let .slice(base, start, stop, step, line):
            let b = try evaluateUnwrapped(base, scope)
            let s = try start.map { try evaluateUnwrapped($0, scope) }
            let e = try stop.map { try evaluateUnwrapped($0, scope) }
            let st = try step.map { try evaluateUnwrapped($0, scope) }
            self.line = line
            return try slice(b, s, e, st)
        case let .call(callee, args, kwargs, line):
            let f = try evaluateUnwrapped(callee, scope)
            let argv = try args.map { try evaluateUnwrapped($0, scope) }
            let kw = try kwargs.map { ($0.0, try evaluateUnwrapped($0.1, scope)) }
            self.line = line
            return try invoke(f, argv, kw)
        case let .filter(base, name, args, kwargs, line):
            let v = try evaluateUnwrapped(base, scope)
            let argv = try args.map { try evaluateUnwrapped($0, scope) }
            let kw = try kwargs.map { ($0.0, try evaluateUnwrapped($0.1, scope)) }
            self.line = line
            return try applyFilter(name, v, argv, kw)
        case let .test(base, name, args, negated, line):
            let v = try evaluateUnwrapped(base, scope)
            let argv = try args.map { try evaluateUnwrapped($0, scope) }
            self.line = line
            return .bool(try applyTest(name, v, argv) != negated)
        case let .not(e):
            return .bool(!(try evaluateUnwrapped(e, scope).isTruthy))
        case let .negate(e, line):
            let v = try evaluateUnwrapped(e, scope)
            self.line = line
            return try Operators.negate(v)
        case let .plus(e, line):
            let v = try evaluateUnwrapped(e, scope)
            self.line = line
            guard v.number != nil else { throw EvalError.runtime("bad operand type for unary +: '\(v.typeName)'") }
            if case let .bool(b) = v { return .int(b ? 1 : 0) }
            return v
        case let .binary(op, l, r, line):
            let left = try evaluateUnwrapped(l, scope)
            switch op {
            case .and: return left.isTruthy ? try evaluateUnwrapped(r, scope) : left
            case .or: return left.isTruthy ? left : try evaluateUnwrapped(r, scope)
            default: break
            }
            let right = try evaluateUnwrapped(r, scope)
            self.line = line
            return try Operators.binary(op, left, right)
        case let .compare(first, ops, line):
            var left = try evaluateUnwrapped(first, scope)
            for (op, e) in ops {
                let right = try evaluateUnwrapped(e, scope)
                self.line = line
                if !(try Operators.compare(op, left, right)) { return .bool(false) }
                left = right
            }
            return .bool(true)
        case let .conditional(test, then, otherwise):
            if try evaluateUnwrapped(test, scope).isTruthy { return try evaluateUnwrapped(then, scope) }
            if let otherwise { return try evaluateUnwrapped(otherwise, scope) }
            return .undefined(reason: "the inline if-expression on line \(line) evaluated to false and no else section was defined.")
        }
    }

    func invoke(_ f: Value, _ args: [Value], _ kwargs: [(String, Value)]) throws -> Value {
        switch f {
        case let .callable(c): return try c.call(args, kwargs)
        case let .undefined(reason): throw EvalError.runtime(reason)
        case let .loop(state):
            guard let r = state.recurse else { throw EvalError.runtime("Tried to call non recursive loop. Maybe you forgot the 'recursive' modifier.") }
            return try r.call(args, kwargs)
        default: throw EvalError.runtime("'\(f.typeName)' object is not callable")
        }
    }
}
