package sqlite

import (
	"encoding/base64"
	"encoding/binary"
	"time"

	"github.com/craftingapis/todos/origin"
)

// A todo cursor is the position of the last todo of a page: its created_at
// (unix microseconds) and id, 8 bytes each, big-endian, in unpadded
// base64url: exactly 22 characters. It is opaque to clients and carries no
// secret; a forged cursor only moves the window inside the caller's own
// todos.
const cursorLen = 22

var cursorEncoding = base64.RawURLEncoding.Strict()

var errBadCursor = origin.Errorf(origin.EINVALID, "invalid cursor")

func encodeCursor(createdAt time.Time, id int64) string {
	var b [16]byte
	binary.BigEndian.PutUint64(b[:8], uint64(micros(createdAt)))
	binary.BigEndian.PutUint64(b[8:], uint64(id))
	return cursorEncoding.EncodeToString(b[:])
}

// decodeCursor accepts exactly what encodeCursor produces: the right length,
// canonical base64url (Strict refuses non-zero padding bits, so each
// position has one spelling), a non-negative time and a positive id.
func decodeCursor(s string) (createdMicros, id int64, err error) {
	if len(s) != cursorLen {
		return 0, 0, errBadCursor
	}
	b, err := cursorEncoding.DecodeString(s)
	if err != nil || len(b) != 16 {
		return 0, 0, errBadCursor
	}
	createdMicros = int64(binary.BigEndian.Uint64(b[:8]))
	id = int64(binary.BigEndian.Uint64(b[8:]))
	if createdMicros < 0 || id <= 0 {
		return 0, 0, errBadCursor
	}
	return createdMicros, id, nil
}
