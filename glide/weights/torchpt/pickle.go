package torchpt

import (
	"encoding/binary"
	"fmt"
	"math"
	"strconv"
	"unicode/utf8"
)

// Limits on what a pickle may make us build. Every length in the stream is
// also checked against the bytes that remain before anything is allocated,
// so no single opcode can allocate more than the pickle's own size.
const (
	// MaxPickleBytes bounds data.pkl. GLIDE's state_dict pickles are about
	// 150 KB; 64 MiB leaves room for far larger models.
	MaxPickleBytes = 64 << 20
	maxStack       = 1 << 20 // values on the stack
	maxMarks       = 1 << 10 // nested MARKs
	maxMemo        = 1 << 20 // memo entries
	maxItems       = 1 << 22 // container items built in total (tuples, lists, dicts)
	maxDims        = 16      // tensor rank
	maxElems       = 1 << 40 // elements in one tensor or storage
	maxLine        = 256     // text-opcode argument lines (INT, LONG, FLOAT, PUT, GET, GLOBAL)
)

// Global is a module.name reference that passed the allow-list.
type Global struct{ Module, Name string }

func (g Global) String() string { return g.Module + "." + g.Name }

// Tuple is a pickled tuple.
type Tuple []any

// List is a pickled list (a pointer, since APPEND mutates it).
type List struct{ Items []any }

// Dict is a pickled dict or collections.OrderedDict; it keeps insertion
// order (as both do in Python 3). Keys are strings, ints or bools.
type Dict struct {
	Ordered bool // built by collections.OrderedDict()
	Keys    []any
	Values  []any
	index   map[any]int
}

func (d *Dict) set(k, v any) error {
	switch k.(type) {
	case string, int64, bool:
	default:
		return fmt.Errorf("dict key of type %s is not supported", typeName(k))
	}
	if d.index == nil {
		d.index = map[any]int{}
	}
	if i, ok := d.index[k]; ok {
		d.Values[i] = v
		return nil
	}
	d.index[k] = len(d.Keys)
	d.Keys = append(d.Keys, k)
	d.Values = append(d.Values, v)
	return nil
}

// Get returns the value stored under key k.
func (d *Dict) Get(k any) (any, bool) {
	i, ok := d.index[k]
	if !ok {
		return nil, false
	}
	return d.Values[i], true
}

// DType is a storage element type.
type DType uint8

const (
	Float32  DType = iota + 1 // torch.FloatStorage
	Float16                   // torch.HalfStorage
	BFloat16                  // torch.BFloat16Storage
)

// Size is the element size in bytes.
func (d DType) Size() int {
	if d == Float32 {
		return 4
	}
	return 2
}

func (d DType) String() string {
	switch d {
	case Float32:
		return "float32"
	case Float16:
		return "float16"
	case BFloat16:
		return "bfloat16"
	}
	return fmt.Sprintf("DType(%d)", uint8(d))
}

// StorageRef is a storage named by a persistent id
// ('storage', <StorageType>, key, location, numel).
type StorageRef struct {
	DType    DType
	Key      string
	Location string
	Numel    int64
}

// Tensor is the result of torch._utils._rebuild_tensor_v2: a strided view
// into a storage. Offset and Stride count elements.
type Tensor struct {
	Storage      *StorageRef
	Offset       int64
	Shape        []int64
	Stride       []int64
	RequiresGrad bool
}

// The allow-list. Anything else named by GLOBAL or STACK_GLOBAL is refused:
// a checkpoint is untrusted input, and these are all a state_dict needs.
var allowedGlobals = map[Global]bool{
	{"collections", "OrderedDict"}:         true,
	{"torch._utils", "_rebuild_tensor_v2"}: true,
	{"torch._utils", "_rebuild_parameter"}: true,
	{"torch", "FloatStorage"}:              true,
	{"torch", "HalfStorage"}:               true,
	{"torch", "BFloat16Storage"}:           true,
}

var storageTypes = map[Global]DType{
	{"torch", "FloatStorage"}:    Float32,
	{"torch", "HalfStorage"}:     Float16,
	{"torch", "BFloat16Storage"}: BFloat16,
}

// ForbiddenGlobalError reports a GLOBAL outside the allow-list.
type ForbiddenGlobalError struct {
	Global Global
	Pos    int // byte offset of the opcode in the pickle
}

func (e *ForbiddenGlobalError) Error() string {
	return fmt.Sprintf("torchpt: pickle refers to global %s (offset %d), which is not on the allow-list of tensor-rebuild globals", e.Global, e.Pos)
}

// PickleError is a malformed or unsupported pickle.
type PickleError struct {
	Pos int    // byte offset of the opcode
	Op  byte   // the opcode
	Msg string // what went wrong
}

func (e *PickleError) Error() string {
	return fmt.Sprintf("torchpt: pickle: opcode 0x%02x at offset %d: %s", e.Op, e.Pos, e.Msg)
}

type unpickler struct {
	data  []byte
	pos   int
	op    byte
	opPos int

	stack []any
	marks []int
	memo  map[uint32]any
	items int

	storages map[string]*StorageRef
}

// Unpickle decodes a PyTorch state_dict pickle (protocols 0–5; torch.save
// writes protocol 2). Only the allow-listed globals are accepted; storages
// must be persistent ids of the form torch.save writes. The result is the
// top-level object: normally a *Dict of *Tensor.
func Unpickle(data []byte) (any, error) {
	if len(data) > MaxPickleBytes {
		return nil, fmt.Errorf("torchpt: pickle is %d bytes, more than the limit of %d", len(data), MaxPickleBytes)
	}
	u := &unpickler{data: data, memo: map[uint32]any{}, storages: map[string]*StorageRef{}}
	return u.run()
}

func (u *unpickler) fail(format string, a ...any) error {
	return &PickleError{Pos: u.opPos, Op: u.op, Msg: fmt.Sprintf(format, a...)}
}

func (u *unpickler) read(n int) ([]byte, error) {
	if n < 0 || n > len(u.data)-u.pos {
		return nil, u.fail("needs %d bytes, %d left", n, len(u.data)-u.pos)
	}
	b := u.data[u.pos : u.pos+n]
	u.pos += n
	return b, nil
}

func (u *unpickler) readLine() (string, error) {
	for i := u.pos; i < len(u.data) && i-u.pos <= maxLine; i++ {
		if u.data[i] == '\n' {
			s := string(u.data[u.pos:i])
			u.pos = i + 1
			return s, nil
		}
	}
	return "", u.fail("unterminated or overlong text argument")
}

func (u *unpickler) push(v any) error {
	if len(u.stack) >= maxStack {
		return u.fail("stack deeper than %d", maxStack)
	}
	u.stack = append(u.stack, v)
	return nil
}

func (u *unpickler) pop() (any, error) {
	if len(u.stack) == 0 || (len(u.marks) > 0 && len(u.stack) <= u.marks[len(u.marks)-1]) {
		return nil, u.fail("stack underflow")
	}
	v := u.stack[len(u.stack)-1]
	u.stack = u.stack[:len(u.stack)-1]
	return v, nil
}

func (u *unpickler) top() (any, error) {
	if len(u.stack) == 0 || (len(u.marks) > 0 && len(u.stack) <= u.marks[len(u.marks)-1]) {
		return nil, u.fail("stack underflow")
	}
	return u.stack[len(u.stack)-1], nil
}

// popMark returns the values above the last MARK and removes them and the mark.
func (u *unpickler) popMark() ([]any, error) {
	if len(u.marks) == 0 {
		return nil, u.fail("no MARK on the stack")
	}
	m := u.marks[len(u.marks)-1]
	u.marks = u.marks[:len(u.marks)-1]
	vals := u.stack[m:]
	u.stack = u.stack[:m]
	return vals, nil
}

func (u *unpickler) count(n int) error {
	u.items += n
	if u.items > maxItems {
		return u.fail("more than %d container items", maxItems)
	}
	return nil
}

func (u *unpickler) tuple(vals []any) (Tuple, error) {
	if err := u.count(len(vals) + 1); err != nil {
		return nil, err
	}
	t := make(Tuple, len(vals))
	copy(t, vals)
	return t, nil
}

func (u *unpickler) put(idx uint32) error {
	v, err := u.top()
	if err != nil {
		return err
	}
	if _, ok := u.memo[idx]; !ok && len(u.memo) >= maxMemo {
		return u.fail("more than %d memo entries", maxMemo)
	}
	u.memo[idx] = v
	return nil
}

func (u *unpickler) get(idx uint32) error {
	v, ok := u.memo[idx]
	if !ok {
		return u.fail("memo key %d not defined", idx)
	}
	return u.push(v)
}

func (u *unpickler) global(module, name string) error {
	g := Global{module, name}
	if !allowedGlobals[g] {
		return &ForbiddenGlobalError{Global: g, Pos: u.opPos}
	}
	return u.push(g)
}

func (u *unpickler) str(b []byte) (string, error) {
	if !utf8.Valid(b) {
		return "", u.fail("string is not valid UTF-8")
	}
	return string(b), nil
}

func (u *unpickler) lenPrefixed(width int) ([]byte, error) {
	b, err := u.read(width)
	if err != nil {
		return nil, err
	}
	var n uint64
	switch width {
	case 1:
		n = uint64(b[0])
	case 4:
		n = uint64(binary.LittleEndian.Uint32(b))
	case 8:
		n = binary.LittleEndian.Uint64(b)
	}
	if n > uint64(len(u.data)-u.pos) {
		return nil, u.fail("length %d runs past the end of the pickle", n)
	}
	return u.read(int(n))
}

func (u *unpickler) run() (any, error) {
	for {
		if u.pos >= len(u.data) {
			return nil, &PickleError{Pos: u.pos, Msg: "pickle ended without STOP"}
		}
		u.opPos = u.pos
		u.op = u.data[u.pos]
		u.pos++
		done, err := u.step()
		if err != nil {
			return nil, err
		}
		if done {
			if len(u.marks) != 0 || len(u.stack) != 1 {
				return nil, u.fail("STOP with %d values and %d marks on the stack", len(u.stack), len(u.marks))
			}
			return u.stack[0], nil
		}
	}
}

func (u *unpickler) step() (stop bool, err error) {
	switch u.op {
	case 0x80: // PROTO
		b, err := u.read(1)
		if err != nil {
			return false, err
		}
		if b[0] > 5 {
			return false, u.fail("unsupported pickle protocol %d", b[0])
		}
	case 0x95: // FRAME: framing is only a hint for buffered readers
		if _, err := u.lenPrefixedCheckOnly(); err != nil {
			return false, err
		}
	case '.': // STOP
		return true, nil
	case '(': // MARK
		if len(u.marks) >= maxMarks {
			return false, u.fail("MARKs nested deeper than %d", maxMarks)
		}
		u.marks = append(u.marks, len(u.stack))
	case '0': // POP
		_, err = u.pop()
	case '1': // POP_MARK
		_, err = u.popMark()
	case '2': // DUP
		var v any
		if v, err = u.top(); err == nil {
			err = u.push(v)
		}
	case 'N':
		err = u.push(nil)
	case 0x88:
		err = u.push(true)
	case 0x89:
		err = u.push(false)
	case 'K': // BININT1
		var b []byte
		if b, err = u.read(1); err == nil {
			err = u.push(int64(b[0]))
		}
	case 'M': // BININT2
		var b []byte
		if b, err = u.read(2); err == nil {
			err = u.push(int64(binary.LittleEndian.Uint16(b)))
		}
	case 'J': // BININT
		var b []byte
		if b, err = u.read(4); err == nil {
			err = u.push(int64(int32(binary.LittleEndian.Uint32(b))))
		}
	case 0x8a, 0x8b: // LONG1, LONG4
		w := 1
		if u.op == 0x8b {
			w = 4
		}
		var b []byte
		if b, err = u.lenPrefixed(w); err != nil {
			return false, err
		}
		if len(b) > 8 {
			return false, u.fail("integer of %d bytes is too large", len(b))
		}
		var v int64
		if len(b) > 0 {
			var x uint64
			for i := len(b) - 1; i >= 0; i-- {
				x = x<<8 | uint64(b[i])
			}
			shift := uint(64 - 8*len(b))
			v = int64(x<<shift) >> shift // sign-extend
		}
		err = u.push(v)
	case 'I', 'L': // INT, LONG (text)
		var s string
		if s, err = u.readLine(); err != nil {
			return false, err
		}
		if u.op == 'I' && s == "00" {
			return false, u.push(false)
		}
		if u.op == 'I' && s == "01" {
			return false, u.push(true)
		}
		if u.op == 'L' && len(s) > 0 && s[len(s)-1] == 'L' {
			s = s[:len(s)-1]
		}
		v, perr := strconv.ParseInt(s, 10, 64)
		if perr != nil {
			return false, u.fail("bad integer %q", s)
		}
		err = u.push(v)
	case 'G': // BINFLOAT
		var b []byte
		if b, err = u.read(8); err == nil {
			err = u.push(math.Float64frombits(binary.BigEndian.Uint64(b)))
		}
	case 'F': // FLOAT (text)
		var s string
		if s, err = u.readLine(); err != nil {
			return false, err
		}
		v, perr := strconv.ParseFloat(s, 64)
		if perr != nil {
			return false, u.fail("bad float %q", s)
		}
		err = u.push(v)
	case 'X', 0x8c, 0x8d: // BINUNICODE, SHORT_BINUNICODE, BINUNICODE8
		w := map[byte]int{'X': 4, 0x8c: 1, 0x8d: 8}[u.op]
		var b []byte
		if b, err = u.lenPrefixed(w); err != nil {
			return false, err
		}
		var s string
		if s, err = u.str(b); err == nil {
			err = u.push(s)
		}
	case 'T', 'U': // BINSTRING, SHORT_BINSTRING (Python 2 str)
		w := 4
		if u.op == 'U' {
			w = 1
		}
		var b []byte
		if b, err = u.lenPrefixed(w); err != nil {
			return false, err
		}
		var s string
		if s, err = u.str(b); err == nil {
			err = u.push(s)
		}
	case 'B', 'C', 0x8e: // BINBYTES, SHORT_BINBYTES, BINBYTES8
		w := map[byte]int{'B': 4, 'C': 1, 0x8e: 8}[u.op]
		var b []byte
		if b, err = u.lenPrefixed(w); err == nil {
			err = u.push(append([]byte(nil), b...))
		}
	case ')':
		err = u.push(Tuple{})
	case 't': // TUPLE
		var vals []any
		if vals, err = u.popMark(); err != nil {
			return false, err
		}
		var t Tuple
		if t, err = u.tuple(vals); err == nil {
			err = u.push(t)
		}
	case 0x85, 0x86, 0x87: // TUPLE1..3
		n := int(u.op-0x85) + 1
		vals := make([]any, n)
		for i := n - 1; i >= 0; i-- {
			if vals[i], err = u.pop(); err != nil {
				return false, err
			}
		}
		var t Tuple
		if t, err = u.tuple(vals); err == nil {
			err = u.push(t)
		}
	case ']':
		if err = u.count(1); err == nil {
			err = u.push(&List{})
		}
	case 'l': // LIST
		var vals []any
		if vals, err = u.popMark(); err != nil {
			return false, err
		}
		if err = u.count(len(vals) + 1); err == nil {
			err = u.push(&List{Items: append([]any(nil), vals...)})
		}
	case 'a', 'e': // APPEND, APPENDS
		var vals []any
		if u.op == 'a' {
			var v any
			if v, err = u.pop(); err != nil {
				return false, err
			}
			vals = []any{v}
		} else if vals, err = u.popMark(); err != nil {
			return false, err
		}
		var l any
		if l, err = u.top(); err != nil {
			return false, err
		}
		list, ok := l.(*List)
		if !ok {
			return false, u.fail("append to %s", typeName(l))
		}
		if err = u.count(len(vals)); err == nil {
			list.Items = append(list.Items, vals...)
		}
	case '}':
		if err = u.count(1); err == nil {
			err = u.push(&Dict{})
		}
	case 'd': // DICT
		var vals []any
		if vals, err = u.popMark(); err != nil {
			return false, err
		}
		d := &Dict{}
		if err = u.setItems(d, vals); err == nil {
			err = u.push(d)
		}
	case 's', 'u': // SETITEM, SETITEMS
		var vals []any
		if u.op == 's' {
			var k, v any
			if v, err = u.pop(); err != nil {
				return false, err
			}
			if k, err = u.pop(); err != nil {
				return false, err
			}
			vals = []any{k, v}
		} else if vals, err = u.popMark(); err != nil {
			return false, err
		}
		var d any
		if d, err = u.top(); err != nil {
			return false, err
		}
		dict, ok := d.(*Dict)
		if !ok {
			return false, u.fail("set item on %s", typeName(d))
		}
		err = u.setItems(dict, vals)
	case 'p': // PUT (text)
		var s string
		if s, err = u.readLine(); err != nil {
			return false, err
		}
		idx, perr := strconv.ParseUint(s, 10, 32)
		if perr != nil {
			return false, u.fail("bad memo index %q", s)
		}
		err = u.put(uint32(idx))
	case 'q':
		var b []byte
		if b, err = u.read(1); err == nil {
			err = u.put(uint32(b[0]))
		}
	case 'r':
		var b []byte
		if b, err = u.read(4); err == nil {
			err = u.put(binary.LittleEndian.Uint32(b))
		}
	case 0x94: // MEMOIZE
		err = u.put(uint32(len(u.memo)))
	case 'g': // GET (text)
		var s string
		if s, err = u.readLine(); err != nil {
			return false, err
		}
		idx, perr := strconv.ParseUint(s, 10, 32)
		if perr != nil {
			return false, u.fail("bad memo index %q", s)
		}
		err = u.get(uint32(idx))
	case 'h':
		var b []byte
		if b, err = u.read(1); err == nil {
			err = u.get(uint32(b[0]))
		}
	case 'j':
		var b []byte
		if b, err = u.read(4); err == nil {
			err = u.get(binary.LittleEndian.Uint32(b))
		}
	case 'c': // GLOBAL "module\nname\n"
		var mod, name string
		if mod, err = u.readLine(); err != nil {
			return false, err
		}
		if name, err = u.readLine(); err != nil {
			return false, err
		}
		err = u.global(mod, name)
	case 0x93: // STACK_GLOBAL
		var m, n any
		if n, err = u.pop(); err != nil {
			return false, err
		}
		if m, err = u.pop(); err != nil {
			return false, err
		}
		ms, ok1 := m.(string)
		ns, ok2 := n.(string)
		if !ok1 || !ok2 {
			return false, u.fail("STACK_GLOBAL needs two strings")
		}
		err = u.global(ms, ns)
	case 'Q': // BINPERSID
		var pid any
		if pid, err = u.pop(); err != nil {
			return false, err
		}
		var s *StorageRef
		if s, err = u.persistent(pid); err == nil {
			err = u.push(s)
		}
	case 'R': // REDUCE
		var args, fn any
		if args, err = u.pop(); err != nil {
			return false, err
		}
		if fn, err = u.pop(); err != nil {
			return false, err
		}
		var v any
		if v, err = u.reduce(fn, args); err == nil {
			err = u.push(v)
		}
	case 'b': // BUILD
		var state, obj any
		if state, err = u.pop(); err != nil {
			return false, err
		}
		if obj, err = u.top(); err != nil {
			return false, err
		}
		err = u.build(obj, state)
	default:
		return false, u.fail("opcode not supported in a state_dict pickle")
	}
	return false, err
}

func (u *unpickler) lenPrefixedCheckOnly() (uint64, error) {
	b, err := u.read(8)
	if err != nil {
		return 0, err
	}
	n := binary.LittleEndian.Uint64(b)
	if n > uint64(len(u.data)-u.pos) {
		return 0, u.fail("frame of %d bytes runs past the end of the pickle", n)
	}
	return n, nil
}

func (u *unpickler) setItems(d *Dict, vals []any) error {
	if len(vals)%2 != 0 {
		return u.fail("odd number of values for dict items")
	}
	if err := u.count(len(vals) / 2); err != nil {
		return err
	}
	for i := 0; i < len(vals); i += 2 {
		if err := d.set(vals[i], vals[i+1]); err != nil {
			return u.fail("%v", err)
		}
	}
	return nil
}

// persistent resolves ('storage', StorageType, key, location, numel).
func (u *unpickler) persistent(pid any) (*StorageRef, error) {
	t, ok := pid.(Tuple)
	if !ok || len(t) != 5 {
		return nil, u.fail("persistent id is not a 5-tuple ('storage', type, key, location, numel)")
	}
	if s, _ := t[0].(string); s != "storage" {
		return nil, u.fail("persistent id kind %v is not 'storage'", t[0])
	}
	g, ok := t[1].(Global)
	if !ok {
		return nil, u.fail("persistent id storage type is %s, not a storage class", typeName(t[1]))
	}
	dt, ok := storageTypes[g]
	if !ok {
		return nil, u.fail("storage type %s is not supported (want FloatStorage, HalfStorage or BFloat16Storage)", g)
	}
	key, ok1 := t[2].(string)
	loc, ok2 := t[3].(string)
	numel, ok3 := t[4].(int64)
	if !ok1 || !ok2 || !ok3 {
		return nil, u.fail("persistent id fields have the wrong types")
	}
	if key == "" || len(key) > 64 {
		return nil, u.fail("bad storage key %q", key)
	}
	for _, c := range key {
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_' || c == '-' || c == '.') || key == "." || key == ".." {
			return nil, u.fail("bad storage key %q", key)
		}
	}
	if numel < 0 || numel > maxElems {
		return nil, u.fail("storage %q has %d elements", key, numel)
	}
	if s, ok := u.storages[key]; ok {
		if s.DType != dt || s.Numel != numel {
			return nil, u.fail("storage %q is declared twice with different types or sizes", key)
		}
		return s, nil
	}
	if len(u.storages) >= maxMemo {
		return nil, u.fail("too many storages")
	}
	s := &StorageRef{DType: dt, Key: key, Location: loc, Numel: numel}
	u.storages[key] = s
	return s, nil
}

func (u *unpickler) reduce(fn, args any) (any, error) {
	g, ok := fn.(Global)
	if !ok {
		return nil, u.fail("REDUCE on %s, not a callable global", typeName(fn))
	}
	a, ok := args.(Tuple)
	if !ok {
		return nil, u.fail("REDUCE arguments are %s, not a tuple", typeName(args))
	}
	switch g {
	case Global{"collections", "OrderedDict"}:
		if len(a) != 0 {
			return nil, u.fail("OrderedDict() with arguments is not supported")
		}
		if err := u.count(1); err != nil {
			return nil, err
		}
		return &Dict{Ordered: true}, nil
	case Global{"torch._utils", "_rebuild_tensor_v2"}:
		return u.rebuildTensor(a)
	case Global{"torch._utils", "_rebuild_parameter"}:
		// _rebuild_parameter(data, requires_grad, backward_hooks)
		if len(a) != 3 {
			return nil, u.fail("_rebuild_parameter takes 3 arguments, got %d", len(a))
		}
		t, ok := a[0].(*Tensor)
		rg, ok2 := a[1].(bool)
		if !ok || !ok2 {
			return nil, u.fail("_rebuild_parameter arguments have the wrong types")
		}
		if _, ok := a[2].(*Dict); !ok {
			return nil, u.fail("_rebuild_parameter backward_hooks is %s", typeName(a[2]))
		}
		c := *t
		c.RequiresGrad = rg
		return &c, nil
	}
	return nil, u.fail("%s cannot be called", g)
}

// rebuildTensor implements _rebuild_tensor_v2(storage, storage_offset, size,
// stride, requires_grad, backward_hooks[, metadata]).
func (u *unpickler) rebuildTensor(a Tuple) (any, error) {
	if len(a) != 6 && len(a) != 7 {
		return nil, u.fail("_rebuild_tensor_v2 takes 6 or 7 arguments, got %d", len(a))
	}
	s, ok := a[0].(*StorageRef)
	if !ok {
		return nil, u.fail("_rebuild_tensor_v2 storage is %s", typeName(a[0]))
	}
	off, ok := a[1].(int64)
	if !ok || off < 0 || off > maxElems {
		return nil, u.fail("_rebuild_tensor_v2 bad storage offset %v", a[1])
	}
	size, err := u.ints(a[2], "size")
	if err != nil {
		return nil, err
	}
	stride, err := u.ints(a[3], "stride")
	if err != nil {
		return nil, err
	}
	if len(size) != len(stride) {
		return nil, u.fail("_rebuild_tensor_v2 size has %d dims, stride %d", len(size), len(stride))
	}
	rg, ok := a[4].(bool)
	if !ok {
		return nil, u.fail("_rebuild_tensor_v2 requires_grad is %s", typeName(a[4]))
	}
	if _, ok := a[5].(*Dict); !ok {
		return nil, u.fail("_rebuild_tensor_v2 backward_hooks is %s", typeName(a[5]))
	}
	if h := a[5].(*Dict); len(h.Keys) != 0 {
		return nil, u.fail("_rebuild_tensor_v2 with backward hooks is not supported")
	}
	if len(a) == 7 && a[6] != nil {
		if _, ok := a[6].(*Dict); !ok {
			return nil, u.fail("_rebuild_tensor_v2 metadata is %s", typeName(a[6]))
		}
	}
	// Bounds: numel and the last element reached must fit in the storage.
	numel, last := int64(1), off
	for i := range size {
		if size[i] > maxElems || stride[i] > maxElems {
			return nil, u.fail("tensor dimension %d too large", i)
		}
		numel *= size[i]
		if numel > maxElems {
			return nil, u.fail("tensor has more than %d elements", int64(maxElems))
		}
	}
	if numel > 0 {
		for i := range size {
			last += (size[i] - 1) * stride[i]
			if last > maxElems {
				return nil, u.fail("tensor view reaches beyond %d elements", int64(maxElems))
			}
		}
		if last >= s.Numel {
			return nil, u.fail("tensor view reaches element %d of storage %q, which has %d", last, s.Key, s.Numel)
		}
		// More elements than the storage means overlapping strides (e.g.
		// stride 0 from expand()); never in a state_dict, and it would let a
		// tiny file ask for a huge allocation.
		if numel > s.Numel {
			return nil, u.fail("tensor of %d elements is an overlapping view of storage %q (%d elements); not supported", numel, s.Key, s.Numel)
		}
	}
	if err := u.count(2 * len(size)); err != nil {
		return nil, err
	}
	return &Tensor{Storage: s, Offset: off, Shape: size, Stride: stride, RequiresGrad: rg}, nil
}

func (u *unpickler) ints(v any, what string) ([]int64, error) {
	t, ok := v.(Tuple)
	if !ok {
		return nil, u.fail("_rebuild_tensor_v2 %s is %s, not a tuple", what, typeName(v))
	}
	if len(t) > maxDims {
		return nil, u.fail("_rebuild_tensor_v2 %s has %d dims (limit %d)", what, len(t), maxDims)
	}
	out := make([]int64, len(t))
	for i, x := range t {
		n, ok := x.(int64)
		if !ok || n < 0 {
			return nil, u.fail("_rebuild_tensor_v2 %s[%d] = %v", what, i, x)
		}
		out[i] = n
	}
	return out, nil
}

// build handles BUILD. torch.save sets the state_dict's _metadata attribute
// this way: obj is the OrderedDict and state is a dict like
// {'_metadata': OrderedDict(...)}. That metadata (module versions) is not
// needed, so it is accepted and dropped; anything else is refused.
func (u *unpickler) build(obj, state any) error {
	d, ok := obj.(*Dict)
	if !ok || !d.Ordered {
		return u.fail("BUILD on %s is not supported", typeName(obj))
	}
	switch s := state.(type) {
	case *Dict:
		for _, k := range s.Keys {
			if k != "_metadata" {
				return u.fail("BUILD sets attribute %v on an OrderedDict", k)
			}
		}
	case nil:
	default:
		return u.fail("BUILD state is %s", typeName(state))
	}
	return nil
}

func typeName(v any) string {
	switch v := v.(type) {
	case nil:
		return "None"
	case bool:
		return "bool"
	case int64:
		return "int"
	case float64:
		return "float"
	case string:
		return "str"
	case []byte:
		return "bytes"
	case Tuple:
		return "tuple"
	case *List:
		return "list"
	case *Dict:
		if v.Ordered {
			return "OrderedDict"
		}
		return "dict"
	case Global:
		return "global " + v.String()
	case *StorageRef:
		return "storage"
	case *Tensor:
		return "tensor"
	}
	return fmt.Sprintf("%T", v)
}
