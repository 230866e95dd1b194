-- Removes the stuff back-end's tables.
DROP TABLE IF EXISTS ApiKey;
DROP TABLE IF EXISTS Owned;
DROP TABLE IF EXISTS Stuff;
DROP TABLE IF EXISTS Utilisateur;
