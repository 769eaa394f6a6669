package cli

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"sort"
	"strings"

	"github.com/pelletier/go-toml/v2"

	"github.com/rookery-social/rookery/internal/xdg"
)

// The config file (READER_CONFIG, else $XDG_CONFIG_HOME/rookery/reader.toml)
// gives defaults for flags: `db` at the top, and a table per command whose
// keys are that command's flags, e.g.
//
//	db = "/home/me/reader.db"
//	site = "/home/me/site"        # my feedpub site: reply, repost, quote, like
//	[serve]
//	addr = "127.0.0.1:7070"
//	url = "https://reader.example.org"
//	[timeline]
//	n = 20
//
// Flags on the command line win.
type config struct {
	path   string
	values map[string]any
}

// loadConfig reads the config file; a missing file is an empty config.
func (a *App) loadConfig() (config, error) {
	path := a.Getenv("READER_CONFIG")
	if path == "" {
		p, err := xdg.ConfigPath("reader.toml")
		if err != nil {
			return config{}, nil
		}
		path = p
	}
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return config{path: path}, nil
	}
	if err != nil {
		return config{}, fmt.Errorf("config: %w", err)
	}
	c := config{path: path, values: map[string]any{}}
	if err := toml.Unmarshal(data, &c.values); err != nil {
		var de *toml.DecodeError
		if errors.As(err, &de) {
			row, _ := de.Position()
			return config{}, fmt.Errorf("config %s: line %d: %s", path, row, strings.TrimPrefix(de.Error(), "toml: "))
		}
		return config{}, fmt.Errorf("config %s: %w", path, err)
	}
	return c, nil
}

// topKeys are the keys allowed at the top of the config, and the flag each sets.
var topKeys = map[string]string{"db": "db", "max_feed_size": "max-feed-size", "site": "site"}

// apply sets the defaults the config gives for command name's flags, and
// refuses keys that name no flag.
func (c config) apply(name string, fs *flag.FlagSet, commands map[string]Command) error {
	for key, v := range c.values {
		if table, ok := v.(map[string]any); ok {
			if _, known := commands[key]; !known {
				return fmt.Errorf("config %s: [%s] is not a reader command", c.path, key)
			}
			if key == name {
				if err := c.setAll(fs, "["+key+"] ", table); err != nil {
					return err
				}
			}
			continue
		}
		flagName, ok := topKeys[key]
		if !ok {
			return fmt.Errorf("config %s: unknown key %q at the top (only db, max_feed_size and site; flags of a command go in its [COMMAND] table)", c.path, key)
		}
		if key == "site" && fs.Lookup("site") == nil {
			continue // only the commands that write posts take it
		}
		if err := c.set(fs, "", flagName, v); err != nil {
			return err
		}
	}
	return nil
}

func (c config) setAll(fs *flag.FlagSet, where string, table map[string]any) error {
	keys := make([]string, 0, len(table))
	for k := range table {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if err := c.set(fs, where, k, table[k]); err != nil {
			return err
		}
	}
	return nil
}

func (c config) set(fs *flag.FlagSet, where, key string, v any) error {
	if fs.Lookup(key) == nil {
		var names []string
		fs.VisitAll(func(f *flag.Flag) { names = append(names, f.Name) })
		return fmt.Errorf("config %s: %sunknown key %q (this command's flags: %s)", c.path, where, key, strings.Join(names, ", "))
	}
	list, ok := v.([]any)
	if !ok {
		list = []any{v}
	}
	for _, item := range list { // a list sets a repeatable flag once per item
		if err := fs.Set(key, fmt.Sprint(item)); err != nil {
			return fmt.Errorf("config %s: %s%s = %v: %w", c.path, where, key, v, err)
		}
	}
	return nil
}
