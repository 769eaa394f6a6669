package cli

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/rookery-social/rookery/internal/safehttp"
)

// defaultMaxFeed is the largest feed document fetched unless
// --max-feed-size says otherwise.
const defaultMaxFeed = 10 << 20

// size is a flag holding a number of bytes, written as a number or with a
// unit: 512KiB, 20MiB, 1GiB (KB, MB, GB are the same powers of 1024; K, M
// and G too).
type size struct {
	bytes int64
	set   bool // given on the command line or in the config
}

var sizeUnits = []struct {
	suffix string
	mult   int64
}{{"kib", 1 << 10}, {"mib", 1 << 20}, {"gib", 1 << 30}, {"kb", 1 << 10}, {"mb", 1 << 20}, {"gb", 1 << 30},
	{"k", 1 << 10}, {"m", 1 << 20}, {"g", 1 << 30}, {"bytes", 1}, {"b", 1}}

func (s *size) String() string {
	if s == nil {
		return ""
	}
	if s.bytes == 0 {
		return safehttp.FormatSize(defaultMaxFeed)
	}
	return safehttp.FormatSize(s.bytes)
}

func (s *size) Set(v string) error {
	n, err := parseSize(v)
	if err != nil {
		return err
	}
	s.bytes, s.set = n, true
	return nil
}

func parseSize(v string) (int64, error) {
	t := strings.ToLower(strings.ReplaceAll(strings.TrimSpace(v), " ", ""))
	mult := int64(1)
	for _, u := range sizeUnits {
		if num, ok := strings.CutSuffix(t, u.suffix); ok {
			t, mult = num, u.mult
			break
		}
	}
	f, err := strconv.ParseFloat(t, 64)
	if err != nil || f < 1 || f*float64(mult) > 1<<40 {
		return 0, fmt.Errorf("%q is not a size: give bytes or a number with a unit, e.g. 20MiB or 512KiB", v)
	}
	return int64(f * float64(mult)), nil
}
