sqlite3 tutorial-step3.db "INSERT INTO stuff(stuff) VALUES ('Apple'), ('Banana'), ('Avocado')"
curl -s localhost:5000/stuff
curl -s 'localhost:5000/stuff?filter=A%25'
curl -s localhost:5000/stuff -G -d filter=B%
