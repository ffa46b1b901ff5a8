#!/usr/bin/env python3
"""Generates the C++ Kafka message codec from proto/kafka/schema/*.schema.

Usage: gen.py --schema-dir DIR --out-dir DIR   (writes DIR/<schema>.h/.cc,
       api.h, messages.h/.cc, test_fill.h/.cc)
       gen.py --schema-dir DIR --list-outputs  (prints the output file names)

The schema format is described in proto/kafka/README.md. Standard library only.
"""

import argparse
import os
import re
import sys

MAX_VERSION = 0x7FFF

# Primitive schema types: C++ type, Reader method, Writer method, zero value.
PRIMS = {
    'int8': ('int8_t', 'ReadInt8', 'WriteInt8', '0'),
    'int16': ('int16_t', 'ReadInt16', 'WriteInt16', '0'),
    'int32': ('int32_t', 'ReadInt32', 'WriteInt32', '0'),
    'int64': ('int64_t', 'ReadInt64', 'WriteInt64', '0'),
    'uint16': ('uint16_t', 'ReadUint16', 'WriteUint16', '0'),
    'uint32': ('uint32_t', 'ReadUint32', 'WriteUint32', '0'),
    'float64': ('double', 'ReadFloat64', 'WriteFloat64', '0.0'),
    'bool': ('bool', 'ReadBool', 'WriteBool', 'false'),
    'uuid': ('Uuid', 'ReadUuid', 'WriteUuid', None),
    'string': ('std::string', None, None, None),
    'bytes': ('Buffer', None, None, None),
    'records': ('Buffer', None, None, None),
}
INT_TYPES = ('int8', 'int16', 'int32', 'int64', 'uint16', 'uint32')
INT_RANGES = {
    'int8': (-2**7, 2**7 - 1), 'int16': (-2**15, 2**15 - 1), 'int32': (-2**31, 2**31 - 1),
    'int64': (-2**63, 2**63 - 1), 'uint16': (0, 2**16 - 1), 'uint32': (0, 2**32 - 1),
}


class SchemaError(Exception):
    pass


class Field:
    def __init__(self, name, kind, elem, versions, nullable, tag, default, line):
        self.name = name
        self.kind = kind          # 'prim' | 'struct' | 'array'
        self.elem = elem          # primitive name, or a Struct
        self.versions = versions  # (lo, hi) clipped to the API range
        self.nullable = nullable  # (lo, hi) clipped to versions, or None
        self.tag = tag
        self.default = default
        self.line = line

    @property
    def elem_is_struct(self):
        return isinstance(self.elem, Struct)


class Struct:
    def __init__(self, name, versions):
        self.name = name
        self.fields = []
        self.versions = versions


class Message:
    def __init__(self, api, kind):
        self.api = api
        self.kind = kind  # 'Request' | 'Response'
        self.name = api.name + kind
        self.top = Struct(self.name, (api.min, api.max))
        self.nested = []  # post-order: children before parents


class Api:
    def __init__(self, name, key, vmin, vmax, flex, path):
        self.name = name
        self.key = key
        self.min = vmin
        self.max = vmax
        self.flex = flex  # first flexible version or None
        self.path = path
        self.request = Message(self, 'Request')
        self.response = Message(self, 'Response')

    @property
    def base(self):
        return os.path.splitext(os.path.basename(self.path))[0]


def parse_range(text, where):
    m = re.fullmatch(r'(\d+)(\+|-(\d+))?', text)
    if not m:
        raise SchemaError(f'{where}: bad version range {text!r}')
    lo = int(m.group(1))
    if m.group(2) is None:
        return lo, lo
    if m.group(2) == '+':
        return lo, MAX_VERSION
    return lo, int(m.group(3))


def intersect(a, b):
    lo, hi = max(a[0], b[0]), min(a[1], b[1])
    return (lo, hi) if lo <= hi else None


def parse_schema(path):
    with open(path, encoding='utf-8') as f:
        lines = f.read().split('\n')
    api = None
    message = None
    stack = []  # (indent, Struct)
    for number, raw in enumerate(lines, 1):
        where = f'{path}:{number}'
        text = raw.split('#', 1)[0].rstrip()
        if not text.strip():
            continue
        indent = len(text) - len(text.lstrip(' '))
        words = text.split()
        if indent == 0:
            if words[0] == 'api':
                attrs = dict(w.split('=', 1) for w in words[2:])
                vlo, vhi = parse_range(attrs['versions'], where)
                flex = None
                if attrs.get('flexible', 'none') != 'none':
                    flex = parse_range(attrs['flexible'], where)[0]
                api = Api(words[1], int(attrs['key']), vlo, vhi, flex, path)
            elif words[0] in ('request', 'response') and len(words) == 1:
                if api is None:
                    raise SchemaError(f'{where}: section before the api line')
                message = api.request if words[0] == 'request' else api.response
                stack = [(0, message.top)]
            else:
                raise SchemaError(f'{where}: unexpected {text!r}')
            continue
        if message is None:
            raise SchemaError(f'{where}: field outside a section')
        while stack and indent <= stack[-1][0] and len(stack) > 1:
            stack.pop()
        parent_indent, parent = stack[-1]
        if indent <= parent_indent and parent is not message.top:
            raise SchemaError(f'{where}: bad indentation')
        field = parse_field(api, message, parent, words, where)
        parent.fields.append(field)
        if field.kind == 'struct' or (field.kind == 'array' and field.elem_is_struct):
            stack.append((indent, field.elem))
    if api is None:
        raise SchemaError(f'{path}: no api line')
    for msg in (api.request, api.response):
        finish_message(msg)
    return api


def parse_field(api, message, parent, words, where):
    if len(words) < 2:
        raise SchemaError(f'{where}: expected "name type [attributes]"')
    name, type_text = words[0], words[1]
    if not re.fullmatch(r'[a-z][a-z0-9_]*', name):
        raise SchemaError(f'{where}: field names are snake_case: {name!r}')
    if any(f.name == name for f in parent.fields):
        raise SchemaError(f'{where}: duplicate field {name!r}')
    versions = parent.versions
    nullable_text = None
    tag = None
    default = None
    for attr in words[2:]:
        if attr.startswith('v'):
            versions = intersect(parent.versions, parse_range(attr[1:], where))
            if versions is None:
                raise SchemaError(f'{where}: {name} has no version inside {parent.versions}')
        elif attr.startswith('null='):
            nullable_text = attr[5:]
        elif attr.startswith('tag='):
            tag = int(attr[4:])
        elif attr.startswith('default='):
            default = attr[8:]
        else:
            raise SchemaError(f'{where}: unknown attribute {attr!r}')
    nullable = None
    if type_text.endswith('?'):
        type_text = type_text[:-1]
        nullable = versions
    if nullable_text is not None:
        nullable = intersect(versions, parse_range(nullable_text, where))
        if nullable is None:
            raise SchemaError(f'{where}: nullable versions outside the field versions')
    if type_text.startswith('[]'):
        kind = 'array'
        elem_text = type_text[2:]
    else:
        kind = 'prim' if type_text in PRIMS else 'struct'
        elem_text = type_text
    if elem_text in PRIMS:
        elem = elem_text
        if kind == 'array' and elem in ('bool', 'records', 'bytes'):
            raise SchemaError(f'{where}: arrays of {elem} are not supported')
    else:
        if not re.fullmatch(r'[A-Z][A-Za-z0-9]*', elem_text):
            raise SchemaError(f'{where}: unknown type {elem_text!r}')
        if any(s.name == elem_text for s in all_structs(message)) or elem_text == message.name:
            raise SchemaError(f'{where}: struct name {elem_text!r} used twice in {message.name}')
        elem = Struct(elem_text, versions)
        message.nested.append(elem)  # order fixed up in finish_message
    if nullable and kind == 'prim' and elem not in ('string', 'bytes', 'records'):
        raise SchemaError(f'{where}: only strings, bytes, records and arrays can be nullable')
    if nullable and kind == 'struct':
        raise SchemaError(f'{where}: nullable structs are not supported')
    if tag is not None:
        if api.flex is None or versions[0] < api.flex:
            raise SchemaError(f'{where}: tagged field {name} outside the flexible versions')
        if not 0 <= tag < 64:
            raise SchemaError(f'{where}: known tags must be in [0, 64)')
        if any(f.tag == tag for f in parent.fields):
            raise SchemaError(f'{where}: duplicate tag {tag}')
    if default is not None:
        check_default(kind, elem, nullable, default, where)
    return Field(name, kind, elem, versions, nullable, tag, default, where)


def check_default(kind, elem, nullable, default, where):
    if kind != 'prim':
        raise SchemaError(f'{where}: defaults are only for primitive fields')
    if default == 'null':
        if not nullable:
            raise SchemaError(f'{where}: default=null on a non-nullable field')
        return
    if nullable:
        raise SchemaError(f'{where}: nullable fields default to null')
    if elem in INT_TYPES:
        lo, hi = INT_RANGES[elem]
        if not re.fullmatch(r'-?\d+', default) or not lo <= int(default) <= hi:
            raise SchemaError(f'{where}: bad {elem} default {default!r}')
    elif elem == 'bool':
        if default not in ('true', 'false'):
            raise SchemaError(f'{where}: bad bool default {default!r}')
    elif elem == 'string':
        if not re.fullmatch(r'"[^"\\]*"', default):
            raise SchemaError(f'{where}: string defaults are "quoted"')
    else:
        raise SchemaError(f'{where}: no defaults for {elem}')


def all_structs(message):
    return message.nested


def finish_message(message):
    ordered = []

    def visit(struct):
        for f in struct.fields:
            if isinstance(f.elem, Struct):
                visit(f.elem)
                ordered.append(f.elem)
        check_struct(message, struct)

    visit(message.top)
    message.nested = ordered


def check_struct(message, struct):
    api = message.api
    for f in struct.fields:
        if f.kind == 'array' and f.elem_is_struct:
            # Every array element must take at least one byte, so that a count
            # bounded by the bytes left bounds the work and the allocation.
            for v in range(f.versions[0], f.versions[1] + 1):
                flexible = api.flex is not None and v >= api.flex
                present = [g for g in f.elem.fields
                           if g.tag is None and g.versions[0] <= v <= g.versions[1]]
                if not present and not flexible:
                    raise SchemaError(f'{f.line}: elements of {f.name} are empty in v{v}')


# ---------------------------------------------------------------- C++ helpers

def int_literal(elem, value):
    v = int(value)
    if elem == 'int64':
        if v == -2**63:
            return 'std::numeric_limits<int64_t>::min()'
        return f'int64_t{{{v}}}' if v < 0 else f'{v}'
    if elem == 'int32' and v == -2**31:
        return 'std::numeric_limits<int32_t>::min()'
    if elem == 'uint32':
        return f'{v}u'
    return str(v)


def elem_cpp(f):
    return f.elem.name if f.elem_is_struct else PRIMS[f.elem][0]


def field_cpp(f):
    t = elem_cpp(f)
    if f.kind == 'array':
        t = f'std::vector<{t}>'
    if f.nullable:
        t = f'std::optional<{t}>'
    return t


def field_init(f):
    if f.nullable or f.kind != 'prim':
        return ''
    if f.default is not None:
        if f.elem in INT_TYPES:
            return ' = ' + int_literal(f.elem, f.default)
        return ' = ' + f.default
    zero = PRIMS[f.elem][3]
    if zero is not None:
        return ' = ' + zero
    return ''


def default_value_expr(f):
    """C++ expression of the field's default, for tagged-field omission."""
    if f.nullable:
        return None
    if f.kind == 'prim' and f.elem not in ('string', 'bytes', 'records', 'uuid'):
        init = field_init(f)
        return init[3:]
    return None


def is_default_cond(f, expr):
    """C++ condition that is true when `expr` (the field) holds its default."""
    if f.nullable:
        return f'!{expr}.has_value()'
    if f.kind == 'array' or (f.kind == 'prim' and f.elem in ('bytes', 'records')):
        return f'{expr}.empty()'
    if f.kind == 'struct':
        return f'{expr} == {f.elem.name}{{}}'
    if f.elem == 'string':
        return f'{expr} == {f.default}' if f.default else f'{expr}.empty()'
    if f.elem == 'uuid':
        return f'{expr} == Uuid{{}}'
    return f'{expr} == {default_value_expr(f)}'


def range_cond(rng, outer):
    """Condition on `version` selecting `rng` among the versions `outer`."""
    parts = []
    if rng[0] > outer[0]:
        parts.append(f'version >= {rng[0]}')
    if rng[1] < outer[1]:
        parts.append(f'version <= {rng[1]}')
    return ' && '.join(parts)


def comment_range(rng):
    if rng[1] == MAX_VERSION:
        return f'v{rng[0]}+'
    if rng[0] == rng[1]:
        return f'v{rng[0]}'
    return f'v{rng[0]}-{rng[1]}'


class Out:
    def __init__(self):
        self.lines = []
        self.level = 0

    def __call__(self, text=''):
        if text:
            self.lines.append('  ' * self.level + text)
        else:
            self.lines.append('')

    def block(self, head):
        self(head + ' {')
        self.level += 1

    def end(self, tail='}'):
        self.level -= 1
        self(tail)

    def text(self):
        return '\n'.join(self.lines) + '\n'


# ------------------------------------------------------------------- decoding

# Reader/Writer method suffix per length-prefixed type (ReadRecords, WriteNullableBytes...).
ACCESSOR_SUFFIX = {'string': 'String', 'bytes': 'Bytes', 'records': 'Records'}


def nullable_mode(f):
    """'never', 'always' or a runtime condition string."""
    if not f.nullable:
        return 'never'
    if f.nullable == f.versions:
        return 'always'
    return range_cond(f.nullable, f.versions)


def emit_decode_value(out, f, target, r, flex):
    """Decodes field f into C++ lvalue `target` from reader `r`."""
    name = f.name
    mode = nullable_mode(f)
    if f.kind == 'struct':
        out(f'CAIRN_KAFKA_TRY({target}.Decode({r}, version), NestedError(cairn_kafka_status, "{name}", -1));')
        return
    if f.kind == 'prim':
        if f.elem in ('string', 'bytes', 'records'):
            suffix = ACCESSOR_SUFFIX[f.elem]
            if mode == 'never' and not f.nullable:
                call = f'{r}.Read{suffix}(&{target}, {flex})'
            elif mode == 'always':
                call = f'{r}.ReadNullable{suffix}(&{target}, {flex})'
            else:
                out(f'if ({mode}) {{')
                out(f'  CAIRN_KAFKA_TRY({r}.ReadNullable{suffix}(&{target}, {flex}), '
                    f'FieldError(cairn_kafka_status, "{name}"));')
                out('} else {')
                out(f'  CAIRN_KAFKA_TRY({r}.Read{suffix}(&{target}.emplace(), {flex}), '
                    f'FieldError(cairn_kafka_status, "{name}"));')
                out('}')
                return
            out(f'CAIRN_KAFKA_TRY({call}, FieldError(cairn_kafka_status, "{name}"));')
            return
        out(f'CAIRN_KAFKA_TRY({r}.{PRIMS[f.elem][1]}(&{target}), FieldError(cairn_kafka_status, "{name}"));')
        return
    # Arrays.
    nullable_arg = {'never': 'false', 'always': 'true'}.get(mode, mode)
    out('{')
    out.level += 1
    out('int32_t count = 0;')
    out(f'CAIRN_KAFKA_TRY({r}.ReadArrayLength(&count, {flex}, {nullable_arg}), '
        f'FieldError(cairn_kafka_status, "{name}"));')
    if f.nullable:
        out('if (count < 0) {')
        out(f'  {target}.reset();')
        out('} else {')
        out.level += 1
        out(f'auto& items = {target}.emplace();')
    else:
        out(f'auto& items = {target};')
    out('items.clear();')
    out('items.reserve(static_cast<size_t>(count));')
    out.block('for (int32_t i = 0; i < count; ++i)')
    if f.elem_is_struct:
        out(f'CAIRN_KAFKA_TRY(items.emplace_back().Decode({r}, version), '
            f'NestedError(cairn_kafka_status, "{name}", i));')
    elif f.elem == 'string':
        out(f'CAIRN_KAFKA_TRY({r}.ReadString(&items.emplace_back(), {flex}), '
            f'ElementError(cairn_kafka_status, "{name}", static_cast<size_t>(i)));')
    else:
        out(f'CAIRN_KAFKA_TRY({r}.{PRIMS[f.elem][1]}(&items.emplace_back()), '
            f'ElementError(cairn_kafka_status, "{name}", static_cast<size_t>(i)));')
    out.end()
    if f.nullable:
        out.end()
    out.end()


def emit_encode_value(out, f, expr, w, flex):
    mode = nullable_mode(f)
    if f.kind == 'struct':
        out(f'{expr}.Encode({w}, version);')
        return
    if f.kind == 'prim':
        if f.elem in ('string', 'bytes', 'records'):
            suffix = ACCESSOR_SUFFIX[f.elem]
            empty = 'std::string_view()' if f.elem == 'string' else 'ByteSpan()'
            view = 'std::string_view' if f.elem == 'string' else 'ByteSpan'
            if not f.nullable:
                out(f'{w}.Write{suffix}({expr}, {flex});')
            elif mode == 'always':
                out(f'{w}.WriteNullable{suffix}({expr}, {flex});')
            else:
                out(f'if ({mode}) {{')
                out(f'  {w}.WriteNullable{suffix}({expr}, {flex});')
                out('} else {')
                out(f'  {w}.Write{suffix}({expr}.has_value() ? {view}(*{expr}) : {empty}, {flex});')
                out('}')
            return
        out(f'{w}.{PRIMS[f.elem][2]}({expr});')
        return
    if f.nullable:
        out(f'if (!{expr}.has_value()) {{')
        if mode == 'always':
            out(f'  {w}.WriteNullArray({flex});')
        else:
            out(f'  if ({mode}) {{')
            out(f'    {w}.WriteNullArray({flex});')
            out('  } else {')
            out(f'    {w}.WriteArrayLength(0, {flex});')
            out('  }')
        out('} else {')
        out.level += 1
        items = f'(*{expr})'
    else:
        items = expr
    out(f'{w}.WriteArrayLength({items}.size(), {flex});')
    out.block(f'for (const auto& item : {items})')
    if f.elem_is_struct:
        out(f'item.Encode({w}, version);')
    elif f.elem == 'string':
        out(f'{w}.WriteString(item, {flex});')
    else:
        out(f'{w}.{PRIMS[f.elem][2]}(item);')
    out.end()
    if f.nullable:
        out.end()


def with_cond(out, cond, body):
    if cond:
        out.block(f'if ({cond})')
        body()
        out.end()
    else:
        body()


def emit_struct_codec(out, api, struct, qual, top):
    vrange = (api.min, api.max)
    flexible = api.flex is not None
    flex_expr = f'version >= {api.flex}' if flexible else 'false'
    if flexible and api.flex <= api.min:
        flex_expr = 'true'
    regular = [f for f in struct.fields if f.tag is None]
    tagged = sorted([f for f in struct.fields if f.tag is not None], key=lambda f: f.tag)

    # Decode.
    out.block(f'absl::Status {qual}::Decode(Reader& r, int16_t version)')
    if top:
        out(f'if (version < kMinVersion || version > kMaxVersion) return internal::UnsupportedVersion(kName, version);')
        out(f'*this = {struct.name}{{}};')
        out('const absl::Status status = DecodeFields(r, version);')
        out('if (ABSL_PREDICT_FALSE(!status.ok())) return internal::NestedError(status, kName, -1);')
        out('return absl::OkStatus();')
        out.end()
        out()
        out.block(f'absl::Status {qual}::DecodeFields(Reader& r, int16_t version)')
    out('(void)version;')
    out(f'[[maybe_unused]] const bool flex = {flex_expr};')
    for f in regular:
        with_cond(out, range_cond(f.versions, vrange),
                  lambda f=f: emit_decode_value(out, f, f.name, 'r', 'flex'))
    if flexible:
        out.block('if (flex)')
        out('uint32_t tag_count = 0;')
        out('CAIRN_KAFKA_TRY(r.ReadTaggedFieldCount(&tag_count), FieldError(cairn_kafka_status, "_tagged_fields"));')
        if tagged:
            out('uint64_t known_seen = 0;')
        out.block('for (uint32_t tag_index = 0; tag_index < tag_count; ++tag_index)')
        out('uint32_t tag = 0;')
        out('uint32_t size = 0;')
        out('CAIRN_KAFKA_TRY(r.ReadTaggedFieldHeader(&tag, &size), FieldError(cairn_kafka_status, "_tagged_fields"));')
        out('Reader tr(ByteSpan{}, r.limits());')
        out('CAIRN_KAFKA_TRY(r.ReadSub(size, &tr), FieldError(cairn_kafka_status, "_tagged_fields"));')
        first = True
        for f in tagged:
            cond = f'tag == {f.tag}'
            rc = range_cond(f.versions, vrange)
            if rc:
                cond += f' && {rc}'
            out(('if' if first else '} else if') + f' ({cond}) {{')
            first = False
            out.level += 1
            out(f'if ((known_seen & (uint64_t{{1}} << {f.tag})) != 0) return internal::DuplicateTag(tag);')
            out(f'known_seen |= uint64_t{{1}} << {f.tag};')
            emit_decode_value(out, f, f.name, 'tr', 'true')
            out('if (!tr.empty()) return internal::TaggedFieldNotConsumed(tag, tr.remaining());')
            out.level -= 1
        if tagged:
            out('} else {')
            out.level += 1
        out.block('for (const TaggedField& seen : unknown_tagged_fields)')
        out('if (seen.tag == tag) return internal::DuplicateTag(tag);')
        out.end()
        out('unknown_tagged_fields.push_back(TaggedField{tag, Buffer(tr.rest().begin(), tr.rest().end())});')
        if tagged:
            out.end()
        out.end()
        out.end()
    out('return absl::OkStatus();')
    out.end()
    out()

    # Encode.
    out.block(f'void {qual}::Encode(Writer& w, int16_t version) const')
    if top:
        out('CAIRN_CHECK(version >= kMinVersion && version <= kMaxVersion) << kName << " v" << version;')
    else:
        out('(void)version;')
    out(f'[[maybe_unused]] const bool flex = {flex_expr};')
    for f in regular:
        with_cond(out, range_cond(f.versions, vrange),
                  lambda f=f: emit_encode_value(out, f, f.name, 'w', 'flex'))
    if flexible:
        out.block('if (flex)')
        if not tagged:
            out.block('if (unknown_tagged_fields.empty())')
            out('w.WriteEmptyTaggedFields();')
            out.end('} else {')
            out.level += 1
            out('std::vector<TaggedField> tagged = unknown_tagged_fields;')
            out('w.WriteTaggedFields(tagged);')
            out.end()
        else:
            out('std::vector<TaggedField> tagged;')
            for f in tagged:
                cond = f'!({is_default_cond(f, f.name)})'
                rc = range_cond(f.versions, vrange)
                if rc:
                    cond = f'{rc} && {cond}'
                out.block(f'if ({cond})')
                out('TaggedField& field = tagged.emplace_back();')
                out(f'field.tag = {f.tag};')
                out('Writer tw(field.data);')
                emit_encode_value(out, f, f.name, 'tw', 'true')
                out.end()
            out('tagged.insert(tagged.end(), unknown_tagged_fields.begin(), unknown_tagged_fields.end());')
            out('w.WriteTaggedFields(tagged);')
        out.end()
    out.end()
    out()


def emit_struct_decl(out, api, struct, top, message=None):
    out.block(f'struct {struct.name}')
    if top:
        m = message
        flex = api.flex if api.flex is not None else -1
        out(f'static constexpr ApiKey kApiKey = ApiKey::k{api.name};')
        out(f'static constexpr const char* kName = "{struct.name}";')
        out(f'static constexpr bool kIsRequest = {"true" if m.kind == "Request" else "false"};')
        out(f'static constexpr int16_t kMinVersion = {api.min};')
        out(f'static constexpr int16_t kMaxVersion = {api.max};')
        out(f'// -1: no flexible version.')
        out(f'static constexpr int16_t kFirstFlexibleVersion = {flex};')
        out()
        for s in m.nested:
            emit_struct_decl(out, api, s, False)
            out()
    for f in struct.fields:
        notes = [] if f.versions == (api.min, api.max) else [comment_range(f.versions)]
        if f.nullable:
            notes.append('nullable ' + comment_range(f.nullable))
        if f.tag is not None:
            notes.append(f'tag {f.tag}')
        comment = f'  // {", ".join(notes)}' if notes else ''
        out(f'{field_cpp(f)} {f.name}{field_init(f)};{comment}')
    if api.flex is not None:
        out('std::vector<TaggedField> unknown_tagged_fields;')
    out()
    if top:
        out('// Decodes the whole message (resetting *this); errors name the field path.')
    out('absl::Status Decode(Reader& r, int16_t version);')
    if top:
        out('// Fields absent from `version` are not written; version must be in range.')
    out('void Encode(Writer& w, int16_t version) const;')
    out(f'bool operator==(const {struct.name}&) const = default;')
    if top:
        out()
        out.level -= 1
        out(' private:')
        out.level += 1
        out('absl::Status DecodeFields(Reader& r, int16_t version);')
    out.end('};')


def api_header(api):
    out = Out()
    out(f'// Generated by proto/kafka/generator/gen.py from proto/kafka/schema/{api.base}.schema.')
    out('// Do not edit.')
    out('#pragma once')
    out()
    for inc in ('<cstdint>', '<limits>', '<optional>', '<string>', '<vector>'):
        out(f'#include {inc}')
    out()
    out('#include "absl/status/status.h"')
    out('#include "common/bytes.h"')
    out('#include "proto/kafka/generated/api.h"')
    out('#include "proto/kafka/reader.h"')
    out('#include "proto/kafka/types.h"')
    out('#include "proto/kafka/writer.h"')
    out()
    out('namespace cairn::kafka {')
    out()
    for m in (api.request, api.response):
        emit_struct_decl(out, api, m.top, True, m)
        out()
    out('}  // namespace cairn::kafka')
    return out.text()


def api_source(api):
    out = Out()
    out(f'// Generated by proto/kafka/generator/gen.py from proto/kafka/schema/{api.base}.schema.')
    out('// Do not edit.')
    out(f'#include "proto/kafka/generated/{api.base}.h"')
    out()
    out('#include <string_view>')
    out()
    out('#include "common/check.h"')
    out()
    out('namespace cairn::kafka {')
    out()
    for m in (api.request, api.response):
        for s in m.nested:
            emit_struct_codec(out, api, s, f'{m.name}::{s.name}', False)
        emit_struct_codec(out, api, m.top, m.name, True)
    out('}  // namespace cairn::kafka')
    return out.text()


# ------------------------------------------------------------ api.h, messages

def api_h(apis):
    out = Out()
    out('// Generated by proto/kafka/generator/gen.py from proto/kafka/schema/*.schema. Do not edit.')
    out('// Kafka API keys, the version ranges this codec implements, and the header')
    out('// version each (api_key, version) uses on the wire.')
    out('#pragma once')
    out()
    out('#include <cstdint>')
    out('#include <span>')
    out()
    out('namespace cairn::kafka {')
    out()
    out.block('enum class ApiKey : int16_t')
    for a in apis:
        out(f'k{a.name} = {a.key},')
    out.end('};')
    out()
    out.block('struct ApiInfo')
    out('ApiKey key;')
    out('const char* name;')
    out('int16_t min_version;')
    out('int16_t max_version;')
    out('int16_t first_flexible_version;  // -1: none')
    out.end('};')
    out()
    out.block('inline constexpr ApiInfo kApis[] =')
    for a in apis:
        flex = a.flex if a.flex is not None else -1
        out(f'{{ApiKey::k{a.name}, "{a.name}", {a.min}, {a.max}, {flex}}},')
    out.end('};')
    out()
    out('inline constexpr std::span<const ApiInfo> AllApis() { return kApis; }')
    out()
    out('// nullptr for an api key this codec does not know.')
    out.block('inline constexpr const ApiInfo* FindApi(int16_t api_key)')
    out.block('for (const ApiInfo& info : kApis)')
    out('if (static_cast<int16_t>(info.key) == api_key) return &info;')
    out.end()
    out('return nullptr;')
    out.end()
    out()
    out('// Whether (api_key, version) uses flexible encodings. Versions above our')
    out('// maximum count as flexible when the API has a flexible version, as in Kafka,')
    out('// so that a newer client\'s header can still be read and answered.')
    out.block('inline constexpr bool IsFlexibleVersion(int16_t api_key, int16_t version)')
    out('const ApiInfo* info = FindApi(api_key);')
    out('return info != nullptr && info->first_flexible_version >= 0 && version >= info->first_flexible_version;')
    out.end()
    out()
    out('// Request header: v2 (tagged fields) for flexible versions, otherwise v1.')
    out('// (v0, without client_id, is only used by ControlledShutdown v0, which we')
    out('// do not implement.) Unknown api keys get v1.')
    out.block('inline constexpr int16_t RequestHeaderVersion(int16_t api_key, int16_t version)')
    out('return IsFlexibleVersion(api_key, version) ? 2 : 1;')
    out.end()
    out()
    out('// Response header: v1 (tagged fields) for flexible versions, otherwise v0;')
    out('// the ApiVersions response header is always v0 so that a client can parse')
    out('// it before it knows which versions the broker supports.')
    out.block('inline constexpr int16_t ResponseHeaderVersion(int16_t api_key, int16_t version)')
    out(f'if (api_key == static_cast<int16_t>(ApiKey::kApiVersions)) return 0;')
    out('return IsFlexibleVersion(api_key, version) ? 1 : 0;')
    out.end()
    out()
    out('}  // namespace cairn::kafka')
    return out.text()


def messages_h(apis):
    out = Out()
    out('// Generated by proto/kafka/generator/gen.py. Do not edit.')
    out('// Every request and response type, and decoding/encoding by runtime api key.')
    out('#pragma once')
    out()
    out('#include <cstdint>')
    out('#include <variant>')
    out()
    out('#include "absl/status/statusor.h"')
    out('#include "proto/kafka/generated/api.h"')
    for a in apis:
        out(f'#include "proto/kafka/generated/{a.base}.h"')
    out()
    out('namespace cairn::kafka {')
    out()
    for kind in ('Request', 'Response'):
        out(f'using Any{kind} = std::variant<')
        names = [f'    {a.name}{kind}' for a in apis]
        out(',\n'.join(names) + '>;')
        out()
        out(f'// Decodes the body of a {kind.lower()} for (api_key, version) and checks that no')
        out('// bytes are left over. InvalidArgument for an unknown key, a version outside')
        out('// the implemented range, malformed input or trailing bytes.')
        out(f'absl::StatusOr<Any{kind}> Decode{kind}Body(int16_t api_key, int16_t version, Reader& r);')
        out(f'// Encodes the body at `version` (which must be in the type\'s range).')
        out(f'void Encode{kind}Body(const Any{kind}& body, int16_t version, Writer& w);')
        out(f'ApiKey ApiKeyOf(const Any{kind}& body);')
        out()
    out('}  // namespace cairn::kafka')
    return out.text()


def messages_cc(apis):
    out = Out()
    out('// Generated by proto/kafka/generator/gen.py. Do not edit.')
    out('#include "proto/kafka/generated/messages.h"')
    out()
    out('#include "absl/strings/str_cat.h"')
    out()
    out('namespace cairn::kafka {')
    out()
    out('namespace {')
    out('template <typename T, typename Any>')
    out.block('absl::StatusOr<Any> DecodeAs(int16_t version, Reader& r)')
    out('T message;')
    out('if (absl::Status s = message.Decode(r, version); !s.ok()) return s;')
    out('if (absl::Status s = r.ExpectEnd(); !s.ok()) return internal::FieldError(s, T::kName);')
    out('return Any(std::move(message));')
    out.end()
    out('}  // namespace')
    out()
    for kind in ('Request', 'Response'):
        out.block(f'absl::StatusOr<Any{kind}> Decode{kind}Body(int16_t api_key, int16_t version, Reader& r)')
        out.block('switch (api_key)')
        for a in apis:
            out(f'case {a.key}:')
            out(f'  return DecodeAs<{a.name}{kind}, Any{kind}>(version, r);')
        out('default:')
        out(f'  return absl::InvalidArgumentError(absl::StrCat("unknown api key ", api_key));')
        out.end()
        out.end()
        out()
        out.block(f'void Encode{kind}Body(const Any{kind}& body, int16_t version, Writer& w)')
        out('std::visit([&](const auto& message) { message.Encode(w, version); }, body);')
        out.end()
        out()
        out.block(f'ApiKey ApiKeyOf(const Any{kind}& body)')
        out('return std::visit([](const auto& message) { return std::decay_t<decltype(message)>::kApiKey; }, body);')
        out.end()
        out()
    out('}  // namespace cairn::kafka')
    return out.text()


# ------------------------------------------------------------ test filling

def emit_fill_value(out, f, target):
    mode = nullable_mode(f)
    null_cond = None
    if f.nullable:
        null_cond = 'f.Null()' if mode == 'always' else f'({mode}) && f.Null()'

    def body(tgt):
        if f.kind == 'struct':
            out(f'Fill({tgt}, version, f);')
        elif f.kind == 'prim':
            if f.elem == 'string':
                out(f'{tgt} = f.String();')
            elif f.elem in ('bytes', 'records'):
                out(f'{tgt} = f.Bytes();')
            elif f.elem == 'bool':
                out(f'{tgt} = f.Bool();')
            elif f.elem == 'float64':
                out(f'{tgt} = f.Double();')
            elif f.elem == 'uuid':
                out(f'{tgt} = f.MakeUuid();')
            else:
                out(f'{tgt} = f.Int<{PRIMS[f.elem][0]}>();')
        else:
            out('{')
            out.level += 1
            out(f'auto& items = {tgt};')
            out.block('for (size_t i = 0, n = f.Count(); i < n; ++i)')
            if f.elem_is_struct:
                out('Fill(items.emplace_back(), version, f);')
            elif f.elem == 'string':
                out('items.push_back(f.String());')
            elif f.elem == 'uuid':
                out('items.push_back(f.MakeUuid());')
            elif f.elem == 'float64':
                out('items.push_back(f.Double());')
            else:
                out(f'items.push_back(f.Int<{PRIMS[f.elem][0]}>());')
            out.end()
            out.end()

    if f.nullable:
        out(f'if ({null_cond}) {{')
        out(f'  {target}.reset();')
        out('} else {')
        out.level += 1
        body(f'{target}.emplace()')
        out.end()
    else:
        body(target)


def emit_fill(out, api, struct, qual, static):
    vrange = (api.min, api.max)
    out.block(f'{"static " if static else ""}void Fill({qual}& m, int16_t version, Filler& f)')
    out('(void)version;')
    out('(void)f;')
    for f in struct.fields:
        with_cond(out, range_cond(f.versions, vrange), lambda f=f: emit_fill_value(out, f, f'm.{f.name}'))
    if api.flex is not None:
        cond = f'version >= {api.flex} && f.Null()'
        out.block(f'if ({cond})')
        out('m.unknown_tagged_fields.push_back(TaggedField{f.UnknownTag(), f.Bytes()});')
        out.end()
    out.end()
    out()


def test_fill_h(apis):
    out = Out()
    out('// Generated by proto/kafka/generator/gen.py. Do not edit.')
    out('// Test support: fills every field present at a version with pseudo-random')
    out('// values (the round-trip tests and the fuzz seed writer use it), and visits')
    out('// every message type.')
    out('#pragma once')
    out()
    out('#include <cstdint>')
    out()
    out('#include "proto/kafka/generated/messages.h"')
    out('#include "proto/kafka/testing/filler.h"')
    out()
    out('namespace cairn::kafka::testing {')
    out()
    for a in apis:
        for m in (a.request, a.response):
            out(f'void Fill({m.name}& m, int16_t version, Filler& f);')
    out()
    out('// Calls visitor.template operator()<T>() for every request and response type.')
    out('template <typename Visitor>')
    out.block('void ForEachMessageType(Visitor&& visitor)')
    for a in apis:
        for m in (a.request, a.response):
            out(f'visitor.template operator()<{m.name}>();')
    out.end()
    out()
    out('}  // namespace cairn::kafka::testing')
    return out.text()


def test_fill_cc(apis):
    out = Out()
    out('// Generated by proto/kafka/generator/gen.py. Do not edit.')
    out('#include "proto/kafka/generated/test_fill.h"')
    out()
    out('namespace cairn::kafka::testing {')
    out()
    for a in apis:
        for m in (a.request, a.response):
            for s in m.nested:
                out(f'static void Fill({m.name}::{s.name}& m, int16_t version, Filler& f);')
    out()
    for a in apis:
        for m in (a.request, a.response):
            for s in m.nested:
                emit_fill(out, a, s, f'{m.name}::{s.name}', True)
            emit_fill(out, a, m.top, m.name, False)
    out('}  // namespace cairn::kafka::testing')
    return out.text()


# ---------------------------------------------------------------------- main

def load(schema_dir):
    apis = []
    for name in sorted(os.listdir(schema_dir)):
        if name.endswith('.schema'):
            apis.append(parse_schema(os.path.join(schema_dir, name)))
    keys = {}
    for a in apis:
        if a.key in keys:
            raise SchemaError(f'{a.path}: api key {a.key} also used by {keys[a.key]}')
        keys[a.key] = a.path
    apis.sort(key=lambda a: a.key)
    return apis


def outputs(apis):
    files = {}
    for a in apis:
        files[f'{a.base}.h'] = lambda a=a: api_header(a)
        files[f'{a.base}.cc'] = lambda a=a: api_source(a)
    files['api.h'] = lambda: api_h(apis)
    files['messages.h'] = lambda: messages_h(apis)
    files['messages.cc'] = lambda: messages_cc(apis)
    files['test_fill.h'] = lambda: test_fill_h(apis)
    files['test_fill.cc'] = lambda: test_fill_cc(apis)
    return files


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--schema-dir', required=True)
    parser.add_argument('--out-dir')
    parser.add_argument('--list-outputs', action='store_true')
    args = parser.parse_args()
    try:
        apis = load(args.schema_dir)
    except SchemaError as e:
        print(f'gen.py: {e}', file=sys.stderr)
        return 1
    files = outputs(apis)
    if args.list_outputs:
        print(';'.join(sorted(files)))
        return 0
    if not args.out_dir:
        parser.error('--out-dir is required')
    os.makedirs(args.out_dir, exist_ok=True)
    for name, render in files.items():
        text = render()
        path = os.path.join(args.out_dir, name)
        # Rewrite only changed files so dependents do not rebuild needlessly;
        # CMake's OUTPUT timestamps are refreshed with a touch afterwards.
        old = None
        if os.path.exists(path):
            with open(path, encoding='utf-8') as f:
                old = f.read()
        if old != text:
            with open(path, 'w', encoding='utf-8') as f:
                f.write(text)
        else:
            os.utime(path, None)
    return 0


if __name__ == '__main__':
    sys.exit(main())
