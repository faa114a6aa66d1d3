package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/residenthub/residenthub/config"
	"github.com/residenthub/residenthub/store"
)

func cmdMigrate(args []string) error {
	fs := flag.NewFlagSet("migrate", flag.ExitOnError)
	cfgPath := fs.String("config", "residenthub.yaml", "config file")
	_ = fs.Parse(args)
	cfg, err := config.Load(*cfgPath)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	conn, err := store.Open(ctx, cfg.ClickHouse)
	if err != nil {
		return err
	}
	defer conn.Close()
	applied, err := store.Migrate(ctx, conn, cfg.ClickHouse)
	if err != nil {
		return err
	}
	if len(applied) == 0 {
		fmt.Printf("clickhouse %s/%s: up to date\n", cfg.ClickHouse.Addr, cfg.ClickHouse.Database)
		return nil
	}
	fmt.Printf("clickhouse %s/%s: applied migrations %v\n", cfg.ClickHouse.Addr, cfg.ClickHouse.Database, applied)
	return nil
}

func cmdHashKey(args []string) error {
	key := ""
	if len(args) > 0 {
		key = args[0]
	} else {
		line, err := bufio.NewReader(os.Stdin).ReadString('\n')
		if err != nil && line == "" {
			return fmt.Errorf("cannot read a key from stdin: %w", err)
		}
		key = strings.TrimRight(line, "\r\n")
	}
	if key == "" {
		return errors.New("cannot hash an empty key")
	}
	fmt.Println(config.HashKey(key))
	return nil
}
