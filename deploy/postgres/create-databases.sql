-- Run once by the postgres image on an empty volume. POSTGRES_DB makes the
-- booking database; Rasa's conversations get a database of their own.
CREATE DATABASE kali_conversations;
