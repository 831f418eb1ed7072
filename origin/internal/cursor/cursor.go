// Package cursor is the todo list's page cursor, shared by every store
// backend so that a cursor means the same thing whichever database issued it.
//
// A cursor is the position of the last todo of a page: its created_at (unix
// microseconds) and id, 8 bytes each, big-endian, in unpadded base64url:
// exactly Len characters. It is opaque to clients and carries no secret; a
// forged cursor only moves the window inside the caller's own todos.
package cursor

import (
	"encoding/base64"
	"encoding/binary"
	"time"

	"github.com/craftingapis/todos/origin"
)

// Len is the length of every cursor.
const Len = 22

var encoding = base64.RawURLEncoding.Strict()

// ErrBad is the EINVALID error for a cursor this package did not issue.
var ErrBad = origin.Errorf(origin.EINVALID, "invalid cursor")

// Encode returns the cursor of the todo created at createdAt with id.
func Encode(createdAt time.Time, id int64) string {
	var b [16]byte
	binary.BigEndian.PutUint64(b[:8], uint64(createdAt.UnixMicro()))
	binary.BigEndian.PutUint64(b[8:], uint64(id))
	return encoding.EncodeToString(b[:])
}

// Decode accepts exactly what Encode produces: the right length, canonical
// base64url (Strict refuses non-zero padding bits, so each position has one
// spelling), a non-negative time and a positive id. Anything else is ErrBad.
func Decode(s string) (createdMicros, id int64, err error) {
	if len(s) != Len {
		return 0, 0, ErrBad
	}
	b, err := encoding.DecodeString(s)
	if err != nil || len(b) != 16 {
		return 0, 0, ErrBad
	}
	createdMicros = int64(binary.BigEndian.Uint64(b[:8]))
	id = int64(binary.BigEndian.Uint64(b[8:]))
	if createdMicros < 0 || id <= 0 {
		return 0, 0, ErrBad
	}
	return createdMicros, id, nil
}
