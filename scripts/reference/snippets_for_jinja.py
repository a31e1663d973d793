"""One-construct templates for make_jinja_corpus.py: (source, variables). Rendered by transformers'
environment; the Swift engine must give the same output (or raise where jinja2 raises)."""

MSGS = [{"role": "system", "content": "S"}, {"role": "user", "content": " Hi "}, {"role": "assistant", "content": "Yo"}]

SNIPPETS = [
    # whitespace control, trim_blocks, lstrip_blocks
    ("  {% if true %}\n  x\n  {% endif %}\n  y {%+ if true %}z{% endif %}\n", {}),
    ("a  {%- if true -%}  b  {%- endif -%}  c", {}),
    ("a\n  {{- 'b' -}}  \nc", {}),
    ("{# comment #}\nx\n  {#- c -#}  y", {}),
    ("line1\n    {% for i in [1, 2] %}\n    {{ i }}\n    {% endfor %}\nend\n", {}),
    ("{% raw %}{{ not rendered }}{% endraw %}", {}),
    ("a\r\nb\rc", {}),
    ("x {% if true %}\t\n{% endif %}y", {}),
    # values and str()
    ("{{ [1, 'a', none, true, 1.5, {'k': 'v'}, (1,), ('a', 'b')] }}", {}),
    ("{{ 1.0 }} {{ 1e20 }} {{ 0.00001 }} {{ 3|float }} {{ -0.0 }} {{ 10/4 }} {{ 2**-1 }} {{ 1e16 }} {{ 123456789.125 }}", {}),
    ("{{ 7 // 2 }} {{ -7 // 2 }} {{ -7 % 3 }} {{ 7 % -3 }} {{ 2 ** 10 }} {{ 'ab' * 2 }} {{ true + 1 }} {{ 4 / 2 }} {{ 7.5 // 2 }}", {}),
    ("{{ 'it\\'s' }} {{ [\"it's\", 'say \"x\"', 'both \\' \"', 'tab\\t', 'é', '\\x01'] }}", {}),
    ("{{ x }}|{{ x | length }}|{{ x | string }}|{{ x is defined }}|{{ x | trim }}|{{ x ~ 'a' }}|{{ x is none }}", {}),
    ("{{ d.missing }}|{{ d['missing'] }}|{{ d.missing is defined }}", {"d": {"a": 1}}),
    ("{{ d.missing.deeper }}", {"d": {"a": 1}}),
    ("{{ undefined_thing + 1 }}", {}),
    ("{{ 'x' if false }}|{{ 'y' if true else 'n' }}", {}),
    ("{{ 'a' ~ 1 ~ none ~ true }}", {}),
    ("{{ '%s and %d' % ('a', 3) }}", {}),
    # comparisons, tests, in
    ("{{ 1 == 1.0 }} {{ 'a' < 'b' }} {{ [1, 2] < [1, 3] }} {{ 1 < 2 < 3 }} {{ 'ab' in 'cabd' }} {{ 2 not in [1] }} {{ 'k' in {'k': 1} }}", {}),
    ("{{ none is none }} {{ 1 is number }} {{ 'a' is string }} {{ {} is mapping }} {{ [] is iterable }} {{ 3 is odd }} {{ 4 is divisibleby 2 }} {{ 2 is equalto 2 }} {{ 1 is integer }} {{ 1.5 is float }} {{ true is boolean }} {{ x is undefined }} {{ 'A' is upper }} {{ f is callable }}", {"f": None}),
    ("{{ 'a' is not string }} {{ [] is sequence }} {{ 'a' is in ['a'] }} {{ 3 is gt 2 }} {{ 3 is ne 3 }}", {}),
    ("{{ 1 < 'a' }}", {}),
    # loops
    ("{% for m in msgs %}{{ loop.index }}/{{ loop.index0 }}/{{ loop.revindex }}/{{ loop.revindex0 }}/{{ loop.first }}/{{ loop.last }}/{{ loop.length }};{% endfor %}", {"msgs": MSGS}),
    ("{% for a in [1, 2, 3] %}{{ loop.previtem }}-{{ loop.nextitem }};{% endfor %}", {}),
    ("{% for m in msgs if m.role != 'system' %}{{ loop.index }}{{ m.role }}{{ loop.last }} {% endfor %}", {"msgs": MSGS}),
    ("{% for x in [] %}a{% else %}b{% endfor %}{% for x in [1] if x > 5 %}c{% else %}d{% endfor %}", {}),
    ("{% for i in range(10) %}{% if i == 2 %}{% continue %}{% endif %}{% if i == 5 %}{% break %}{% endif %}{{ i }}{% endfor %}", {}),
    ("{% for k, v in d.items() %}{{ k }}={{ v }},{% endfor %}|{% for k in d %}{{ k }}{% endfor %}", {"d": {"b": 1, "a": 2}}),
    ("{% for c in 'héllo' %}{{ c }}.{% endfor %}", {}),
    ("{% for a in [[1, 2], [3, 4]] %}{% for b in a %}{{ loop.index }}{{ b }}{% endfor %}{{ loop.index }}|{% endfor %}", {}),
    ("{% for i in range(2, 10, 3) %}{{ i }}{{ loop.cycle('a', 'b') }}{% endfor %}", {}),
    ("{% for x in none %}{% endfor %}", {}),
    # scoping and namespace
    ("{% for i in range(3) %}{% if i == 1 %}{% set x = 5 %}{% endif %}{{ x }},{% endfor %}", {}),
    ("{% set x = 1 %}{% for i in range(2) %}{{ x }}{% set x = 2 %}{{ x }}{% endfor %}{{ x }}", {}),
    ("{% set ns = namespace(n=0, s='') %}{% for i in range(4) %}{% set ns.n = ns.n + i %}{% set ns.s = ns.s ~ i %}{% endfor %}{{ ns.n }} {{ ns.s }} {{ ns }}", {}),
    ("{% if true %}{% set y = 'set in if' %}{% endif %}{{ y }}", {}),
    ("{% set a, b = 1, 2 %}{{ a }}{{ b }}{% set t = 1, 2 %}{{ t }}", {}),
    ("{% set block %}inner {{ 1 + 1 }}{% endset %}[{{ block }}]{% set up | upper %}shout{% endset %}{{ up }}", {}),
    # macros
    ("{% macro greet(name, punct='!') %}Hi {{ name }}{{ punct }}{% endmacro %}{{ greet('A') }} {{ greet('B', '?') }} {{ greet(name='C') }} {{ greet() }}", {}),
    ("{% set x = 1 %}{% macro m() %}{{ x }}{% endmacro %}{% set x = 2 %}{{ m() }}", {}),
    ("{% macro wrap() %}[{{ caller() }}]{% endmacro %}{% call wrap() %}body{% endcall %}", {}),
    ("{% macro render(items) %}{% for i in items %}{{ i }}{% endfor %}{% endmacro %}{{ render([1, 2]) | length }}", {}),
    # filters
    ("{{ '  a b  ' | trim }}|{{ 'xxaxx' | trim('x') }}|{{ 'Hello' | upper }}{{ 'Hello' | lower }}|{{ 'hello world-x' | title }}|{{ 'hELLO' | capitalize }}", {}),
    ("{{ 'a-b-c' | replace('-', '+') }} {{ 'aaa' | replace('a', 'b', 2) }} {{ none | string }} {{ 1.5 | string }} {{ [1] | string }}", {}),
    ("{{ [3, 1, 2] | length }} {{ 'héllo' | length }} {{ {'a': 1} | length }} {{ [1, 2] | first }} {{ [1, 2] | last }} {{ 'abc' | first }} {{ [] | first }}", {}),
    ("{{ x | default('dflt') }} {{ '' | default('dflt') }} {{ '' | default('dflt', true) }} {{ none | default('n') }} {{ 0 | d('zero', boolean=true) }}", {}),
    ("{{ [1, 'a', none] | join(', ') }} {{ msgs | map(attribute='role') | join('/') }} {{ msgs | join(',', attribute='content') }}", {"msgs": MSGS}),
    ("{{ msgs | selectattr('role', 'equalto', 'user') | list | length }} {{ msgs | rejectattr('role', 'eq', 'user') | map(attribute='content') | list }} {{ msgs | selectattr('missing') | list }} {{ msgs | selectattr('role', 'in', ['user', 'system']) | list | count }}", {"msgs": MSGS}),
    ("{{ [1, 0, 2, none] | select | list }} {{ [1, 2, 3, 4] | select('odd') | list }} {{ [1, 2, 3] | reject('even') | list }} {{ ['a', 'B'] | map('upper') | list }}", {}),
    ("{{ d | items | list }} {{ d | dictsort }} {{ d | dictsort(reverse=true) }} {{ d | dictsort(by='value') }} {{ {'B': 1, 'a': 2} | dictsort }}", {"d": {"b": 1, "a": 2, "c": 0}}),
    ("{{ [3, 1, 2] | sort }} {{ ['b', 'A', 'c'] | sort }} {{ ['b', 'A', 'c'] | sort(case_sensitive=true) }} {{ [3, 1, 2] | sort(reverse=true) }} {{ msgs | sort(attribute='role') | map(attribute='role') | list }}", {"msgs": MSGS}),
    ("{{ '42' | int }} {{ '4.7' | int }} {{ 'x' | int }} {{ 'x' | int(7) }} {{ 3.9 | int }} {{ '0x1A' | int(0, 16) }} {{ '1.5' | float }} {{ 'y' | float }} {{ true | int }}", {}),
    ("{{ [1, 2, 2, 1] | unique | list }} {{ [1, 2, 3] | reverse | list }} {{ 'abc' | reverse }} {{ [1, 2] | sum }} {{ [3, 1] | min }} {{ [3, 1] | max }} {{ -3 | abs }} {{ 2.567 | round(2) }} {{ 2.5 | round }} {{ 3.5 | round }} {{ 2.4 | round(0, 'ceil') }} {{ 7 | round }}", {}),
    ("{{ 'a\\nb\\n\\nc' | indent(2) }}|{{ 'a\\nb' | indent(4, true) }}|{{ 'x' | center(7) }}|{{ 'a b  c' | wordcount }}|{{ '<a href=\"x\">&</a>' | e }}|{{ 'ok' | safe }}", {}),
    ("{{ [1, 2, 3, 4, 5] | batch(2) | list }} {{ 'Hi %s' | format('you') }} {{ {'a': 1} | attr('a') }}", {}),
    # tojson (transformers' own: ensure_ascii=False, options)
    ("{{ d | tojson }}|{{ d | tojson(indent=2) }}|{{ d | tojson(separators=(',', ':')) }}|{{ d | tojson(sort_keys=true) }}|{{ d | tojson(ensure_ascii=true) }}", {"d": {"z": "é\"\n\t\\/<>&'📝", "a": [1, 2.5, None, True, {}], "n": {"x": []}}}),
    ("{{ [] | tojson }} {{ {} | tojson(indent=4) }} {{ 'x' | tojson }} {{ 1.0 | tojson }} {{ (1, 2) | tojson }} {{ none | tojson }} {{ d | tojson(indent='\\t') }}", {"d": {"k": [1]}}),
    ("{{ x | tojson }}", {}),
    # string methods
    ("{{ '  a  '.strip() }}|{{ 'xax'.strip('x') }}|{{ '  a'.lstrip() }}|{{ 'a  '.rstrip() }}|{{ 'abc'.startswith('ab') }}{{ 'abc'.endswith(('x', 'c')) }}", {}),
    ("{{ 'a b  c'.split() }} {{ 'a,b,,c'.split(',') }} {{ 'a,b,c'.split(',', 1) }} {{ 'a,b,c'.rsplit(',', 1) }} {{ 'x\\ny'.splitlines() }} {{ '<think>a</think>b'.split('</think>')[-1] }}", {}),
    ("{{ 'Hello'.upper() }} {{ 'Hello'.lower() }} {{ 'hello world'.title() }} {{ 'hELLO'.capitalize() }} {{ 'aXa'.replace('a', 'b') }} {{ 'abcb'.find('b') }} {{ 'abcb'.rfind('b') }} {{ 'abc'.find('z') }} {{ 'abcb'.count('b') }}", {}),
    ("{{ ', '.join(['a', 'b']) }} {{ '{} and {}'.format('x', 1) }} {{ '{0}{name}'.format('p', name='q') }} {{ '12'.isdigit() }} {{ 'ab'.isalpha() }}", {}),
    ("{{ d.get('a') }} {{ d.get('z') }} {{ d.get('z', 'dflt') }} {{ d.keys() | list }} {{ d.values() | list }} {{ d.items() | list }}", {"d": {"a": 1, "b": 2}}),
    ("{{ [1, 2].append(3) }}", {}),
    ("{{ d.pop('a') }}", {"d": {"a": 1}}),
    # slicing and indexing
    ("{{ 'héllo'[1:3] }} {{ 'hello'[::-1] }} {{ [1, 2, 3, 4][1:] }} {{ [1, 2, 3, 4][:-1] }} {{ [1, 2, 3, 4][::2] }} {{ 'abc'[-1] }} {{ [1, 2][5] }}|{{ msgs[-1].content }} {{ msgs[0]['role'] }} {{ msgs.0.role }}", {"msgs": MSGS}),
    # globals
    ("{{ range(3) | list }} {{ range(1, 4) | list }} {{ range(5, 0, -2) | list }} {{ dict(a=1, b=2) }} {{ namespace(a=1).a }}", {}),
    ("{{ raise_exception('Custom: ' ~ 42) }}", {}),
    ("{{ strftime_now('%Y-%m-%d %H:%M:%S %b %B %a %A %d %j %y %I %p') }}", {}),
    # operators precedence
    ("{{ 1 + 2 * 3 }} {{ (1 + 2) * 3 }} {{ -2 ** 2 }} {{ not true or true }} {{ not (true or true) }} {{ 'a' if 1 > 2 else 'b' if 2 > 1 else 'c' }} {{ -1 | abs }} {{ 2 * -1 }}", {}),
    ("{{ 1 ~ 2 + 3 }}", {}),
    ("{{ 1 + 2 ~ 3 }} {{ 'a' ~ 2 * 3 }} {{ 0.1 + 0.2 }} {{ 1 / 3 }} {{ 3.0 * 2 }}", {}),
    ("{{ true and 'x' }} {{ false or 'y' }} {{ none or 0 }} {{ [] and 1 }}", {}),
    # generation block (transformers' AssistantTracker)
    ("{% for m in msgs %}{% if m.role == 'assistant' %}{% generation %}{{ m.content }}{% set inner = 1 %}{% endgeneration %}{% endif %}{% endfor %}[{{ inner }}]", {"msgs": MSGS}),
]

SNIPPETS += [
    # Markup (|safe, |escape): adding a plain string to it escapes that string
    ("{{ '<b>'|safe + '<i>' }} {{ '<i>' + '<b>'|safe }} {{ '<b>'|safe ~ '<i>' }} {{ '<'|e }} {{ ('x'|safe) is string }} {{ '<a>'|safe|length }}", {}),
    ("{{ ('a'|safe) * 2 }} {{ '<b>'|safe == '<b>' }} {{ 'x'|safe + 1 }}", {}),
    # generators: always true, no length, not JSON
    ("{{ 'yes' if ([] | select) else 'no' }} {{ [1] | map('string') | join }} {{ [1, 2] | reverse | list }} {{ {'a': 1} | items | list }}", {}),
    ("{{ [1, 2] | map('string') | length }}", {}),
    ("{{ [1, 2] | select | tojson }}", {}),
]

SNIPPETS += [
    ("{{ 'prefix-x'.removeprefix('prefix-') }} {{ 'x.txt'.removesuffix('.txt') }} {{ 'a=b=c'.partition('=') }} {{ 'a=b=c'.rpartition('=') }} {{ 'a'.partition('z') }} {{ '7'.zfill(3) }} {{ '-7'.zfill(3) }} {{ 'a'.ljust(3, '.') }}|{{ 'a'.rjust(3) }}", {}),
    ("{{ [1, 2].copy() }} {{ {'a': 1}.copy() }} {{ [1, 2, 1].count(1) }} {{ [1, 2].index(2) }}", {}),
]
