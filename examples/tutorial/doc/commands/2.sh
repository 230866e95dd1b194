curl -s localhost:5000/now
sqlite3 tutorial-step2.db .tables
