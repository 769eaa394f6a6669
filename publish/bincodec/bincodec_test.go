package bincodec_test

import (
	"testing"
	"time"

	"github.com/rookery-social/rookery/publish/bincodec"
)

func encode() []byte {
	w := &bincodec.Writer{}
	w.Str("feedpub")
	w.Int(-42)
	w.Uint(1 << 40)
	w.Bool(true)
	w.Time(time.Date(2031, 1, 1, 0, 0, 0, 0, time.UTC))
	w.Strs([]string{"a", "", "ccc"})
	return bincodec.AppendCRC(w.B, 0)
}

func TestRoundTrip(t *testing.T) {
	body, ok := bincodec.CheckCRC(string(encode()))
	if !ok {
		t.Fatal("CRC does not match")
	}
	r := &bincodec.Reader{S: body}
	s, i, u, b, tm, ss := r.Str(), r.Int(), r.Uint(), r.Bool(), r.Time(), r.Strs()
	if r.Err != nil || s != "feedpub" || i != -42 || u != 1<<40 || !b || !tm.Equal(time.Date(2031, 1, 1, 0, 0, 0, 0, time.UTC)) ||
		len(ss) != 3 || ss[2] != "ccc" || r.S != "" {
		t.Errorf("read back %q %d %d %v %v %q, err %v, %d bytes left", s, i, u, b, tm, ss, r.Err, len(r.S))
	}
}

// Every truncation of the input fails, cleanly: the CRC no longer matches,
// and reading without it runs out of bytes instead of reading past them.
func TestTruncated(t *testing.T) {
	data := encode()
	for n := range len(data) {
		if _, ok := bincodec.CheckCRC(string(data[:n])); ok {
			t.Errorf("a CRC matched over %d of %d bytes", n, len(data))
		}
		r := &bincodec.Reader{S: string(data[:min(n, len(data)-4)])}
		r.Str()
		r.Int()
		r.Uint()
		r.Bool()
		r.Time()
		r.Strs()
		if n < len(data)-4 && r.Err == nil {
			t.Errorf("reading %d of %d bytes did not fail", n, len(data)-4)
		}
	}
}

func TestHugeLengthFails(t *testing.T) {
	w := &bincodec.Writer{}
	w.Uint(1 << 62) // a string or a count longer than the input
	for _, read := range []func(*bincodec.Reader){
		func(r *bincodec.Reader) { r.Str() },
		func(r *bincodec.Reader) { r.Strs() },
		func(r *bincodec.Reader) { r.Count() },
	} {
		r := &bincodec.Reader{S: string(w.B) + "xyz"}
		read(r)
		if r.Err == nil {
			t.Error("a length beyond the input was accepted")
		}
	}
}
