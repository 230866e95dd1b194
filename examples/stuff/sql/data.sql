-- Initial data, loaded when there are no users yet.
-- calvin/hobbes (admin) and hobbes/susie have argon2id hashes; susie/derkins keeps the bcrypt
-- hash the seed's passlib script made, as imported data would: it is upgraded at her next login.
INSERT INTO Utilisateur(login, pword, isAdmin) VALUES
  ('calvin', '$argon2id$v=19$m=19456,t=2,p=1$s0Dtr19l1YPKkHLiUWV6lQ$dG+9OgQEesjtwKBTLRGjLKMECrccmK6B0BxUqMKvaGc', TRUE),
  ('hobbes', '$argon2id$v=19$m=19456,t=2,p=1$7bUyX1eS9ZPmq3+Q1PGTPQ$nPd8sDDBPf3x7kEbX5cpRcXuRKiCs1RHXk/qMDDcs74', FALSE),
  ('susie', '$2b$04$/p8lVmWsklBSMQCwJbrvhuRRfD0RmxMTRCNNcgK/4lbp4HJ0myhNW', FALSE);

INSERT INTO Stuff(stuff) VALUES ('Chair'), ('Desk');

INSERT INTO Owned(object, owner) VALUES
  ('Box', 1), ('Box', 2), ('Book', 3), ('Tiger', 1), ('Sled', 1);
