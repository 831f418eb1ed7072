package origin

import "testing"

func TestUserIDOf(t *testing.T) {
	tests := []struct {
		name string
		sub  string
		id   int64 // 0: refused
	}{
		{"one digit", "users/7", 7},
		{"many digits", "users/4242", 4242},
		{"largest", "users/9223372036854775807", 9223372036854775807},
		{"overflow", "users/9223372036854775808", 0},
		{"leading zero", "users/07", 0},
		{"plus sign", "users/+7", 0},
		{"zero", "users/0", 0},
		{"negative", "users/-7", 0},
		{"empty id", "users/", 0},
		{"other prefix", "admins/7", 0},
		{"no prefix", "7", 0},
		{"trailing space", "users/7 ", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			id, ok := UserIDOf(tt.sub)
			if ok != (tt.id != 0) || (ok && id != tt.id) {
				t.Fatalf("UserIDOf(%q) = %d, %t; want %d", tt.sub, id, ok, tt.id)
			}
			if ok && SubjectOf(id) != tt.sub {
				t.Fatalf("SubjectOf(%d) = %q, want %q", id, SubjectOf(id), tt.sub)
			}
		})
	}
}

func TestUserIDOfAllocatesNothing(t *testing.T) {
	if n := testing.AllocsPerRun(100, func() { UserIDOf("users/123456789") }); n != 0 {
		t.Fatalf("UserIDOf allocates %v times per call", n)
	}
}
