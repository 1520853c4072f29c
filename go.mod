module github.com/msgstats/analytics

go 1.26
