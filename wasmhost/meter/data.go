package meter

import (
	"bytes"
	"cmp"
	"errors"
	"fmt"
	"math"
	"slices"
)

// Section ids of the data segments and their count.
const (
	secMemory    = 5
	secData      = 11
	secDataCount = 12
)

// DefaultDataGap is the widest run of zeros CompactData fills to join two
// data segments. Go's linker starts a new segment after every short run of
// zeros, tens of thousands of them in an edgeauth module; at this width
// nearly all of them join, and the zeros it writes cost almost nothing
// once the module is compressed.
const DefaultDataGap = 32

// CompactData returns module with its data segments joined wherever the
// gap between two of them is at most maxGap bytes, the gap written as
// zeros: the same memory at instantiation, in far fewer segments.
//
// Why: a host keeps every segment of a compiled module as a decoded
// structure for the module's lifetime, and copies each one into every new
// instance. Under wazero, tens of thousands of small segments are most of
// the objects a Go host's garbage collector scans on every cycle, and most
// of the allocations of an instance start-up.
//
// Only a module whose segments are all active, at constant i32 offsets,
// without overlap and within the initial size of the memory the module
// defines, and whose code never names a segment (memory.init, data.drop),
// is changed. Then the order in which segments are applied does not
// matter and none can trap, so they are sorted by offset and joined, and
// the zeros written between them are bytes no segment writes, which a new
// memory already holds. Any other module is returned unchanged.
func CompactData(module []byte, maxGap int) ([]byte, error) {
	secs, err := sections(module)
	if err != nil {
		return nil, err
	}
	data := find(secs, secData)
	if len(data) == 0 {
		return module, nil
	}
	size, ok, err := definedMemoryBytes(find(secs, secMemory))
	if err != nil || !ok {
		return module, err
	}
	segs, ok, err := activeSegments(data, size)
	if err != nil {
		return nil, err
	}
	if !ok {
		return module, nil
	}
	switch named, err := namesSegments(find(secs, secCode)); {
	case errors.Is(err, ErrUnsupported):
		return module, nil // code it cannot read might name a segment
	case err != nil:
		return nil, err
	case named:
		return module, nil
	}
	joined := joinSegments(segs, maxGap)
	if len(joined) == len(segs) {
		return module, nil
	}
	body := appendULEB(make([]byte, 0, len(data)), uint32(len(joined)))
	for _, s := range joined {
		body = append(body, 0x00, 0x41) // active in memory 0, i32.const
		body = appendSLEB(body, int64(int32(s.offset)))
		body = append(body, 0x0b) // end
		body = appendULEB(body, uint32(len(s.init)))
		body = append(body, s.init...)
	}
	var out bytes.Buffer
	out.Grow(len(module) + len(body) - len(data))
	out.Write(module[:8])
	for _, s := range secs {
		switch s.id {
		case secData:
			writeSection(&out, s.id, body)
		case secDataCount:
			writeSection(&out, s.id, appendULEB(nil, uint32(len(joined))))
		default:
			writeSection(&out, s.id, s.body)
		}
	}
	return out.Bytes(), nil
}

// segment is an active data segment of memory 0: its bytes at offset.
type segment struct {
	offset uint32
	init   []byte
}

// activeSegments decodes a data section and sorts its segments by offset;
// ok is false when a segment is not active in memory 0 at a constant i32
// offset, overlaps another or ends past size.
func activeSegments(data []byte, size uint64) (segs []segment, ok bool, err error) {
	r := reader{b: data}
	n := r.u32()
	for range n {
		if flags := r.u32(); flags != 0 || r.byte() != 0x41 {
			return nil, false, r.err
		}
		off := r.s64()
		if r.byte() != 0x0b || off < 0 || off > math.MaxInt32 {
			return nil, false, r.err
		}
		init := r.bytes(int(r.u32()))
		if r.err != nil {
			return nil, false, r.err
		}
		if uint64(off)+uint64(len(init)) > size {
			return nil, false, nil
		}
		segs = append(segs, segment{uint32(off), init})
	}
	if r.err == nil && r.off != len(r.b) {
		return nil, false, fmt.Errorf("%w: trailing bytes in the data section", ErrMalformed)
	}
	if r.err != nil {
		return nil, false, r.err
	}
	slices.SortStableFunc(segs, func(a, b segment) int { return cmp.Compare(a.offset, b.offset) })
	for i := 1; i < len(segs); i++ {
		if prev := segs[i-1]; uint64(prev.offset)+uint64(len(prev.init)) > uint64(segs[i].offset) {
			return nil, false, nil
		}
	}
	return segs, true, nil
}

// definedMemoryBytes returns the initial size of the one memory a memory
// section defines; ok is false when it defines none or several (the
// module's memory is then imported, or not one).
func definedMemoryBytes(mem []byte) (size uint64, ok bool, err error) {
	if len(mem) == 0 {
		return 0, false, nil
	}
	r := reader{b: mem}
	if r.u32() != 1 {
		return 0, false, r.err
	}
	flags := r.byte()
	pages := r.u32()
	if r.err != nil || flags&^0x01 != 0 { // only plain 32-bit limits, with or without a maximum
		return 0, false, r.err
	}
	return uint64(pages) << 16, true, nil
}

// joinSegments joins each segment to the one before it when the gap
// between them is at most maxGap bytes.
func joinSegments(segs []segment, maxGap int) []segment {
	var out []segment
	for _, s := range segs {
		if n := len(out); n > 0 {
			last := &out[n-1]
			gap := uint64(s.offset) - (uint64(last.offset) + uint64(len(last.init)))
			if gap <= uint64(maxGap) {
				last.init = append(last.init, make([]byte, gap)...)
				last.init = append(last.init, s.init...)
				continue
			}
		}
		// A copy: joining appends to it, and must not write into module.
		out = append(out, segment{s.offset, append([]byte(nil), s.init...)})
	}
	return out
}

// namesSegments reports whether a code section uses memory.init or
// data.drop, whose immediates are segment indices.
func namesSegments(code []byte) (bool, error) {
	if len(code) == 0 {
		return false, nil
	}
	r := reader{b: code}
	for range r.u32() {
		fn := reader{b: r.bytes(int(r.u32()))}
		for range fn.u32() { // locals: count, valtype
			fn.u32()
			fn.byte()
		}
		for fn.err == nil && fn.off < len(fn.b) {
			op := fn.byte()
			if op == 0xfc {
				sub := reader{b: fn.b, off: fn.off}
				if s := sub.u32(); s == 8 || s == 9 {
					return true, nil
				}
			}
			if err := skipImmediates(&fn, op); err != nil {
				return false, err
			}
		}
		if fn.err != nil {
			return false, fn.err
		}
	}
	return false, r.err
}
