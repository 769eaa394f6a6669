package cli

import (
	"fmt"
	"strconv"
	"strings"
)

// count is a flag holding a number of things to show, 1 or more: -n 0 or
// -n -5 is refused when it is parsed (on the command line or from the
// config).
type count struct{ n int }

func (c *count) String() string {
	if c == nil {
		return "0"
	}
	return strconv.Itoa(c.n)
}

func (c *count) Set(s string) error {
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 {
		return fmt.Errorf("give a whole number, 1 or more")
	}
	c.n = n
	return nil
}

// plural is n and a noun, in the plural unless n is 1: "1 post", "2
// posts", "2 tracked queries". The noun's last word takes the ending.
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	if stem, ok := strings.CutSuffix(noun, "y"); ok && stem != "" && !strings.ContainsAny(stem[len(stem)-1:], "aeiou") {
		return fmt.Sprintf("%d %sies", n, stem)
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
