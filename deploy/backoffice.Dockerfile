# The back office (backoffice/, docs/backoffice.md) on the official rasa image:
# its NLU comparison trains models with Rasa (tools/nlu_compare.py), and git
# reads the base training data. docker-compose.yml builds it as kali-safaris-backoffice.
FROM rasa/rasa:3.6.21

USER root
RUN apt-get update -qq && apt-get install -y -qq --no-install-recommends git && rm -rf /var/lib/apt/lists/*
COPY deploy/backoffice-requirements.txt constraints.txt /tmp/pins/
RUN pip install --no-cache-dir -r /tmp/pins/backoffice-requirements.txt -c /tmp/pins/constraints.txt \
    && rm -rf /tmp/pins
WORKDIR /srv
COPY alembic.ini /srv/
COPY backoffice /srv/backoffice
COPY payments /srv/payments
COPY parsing /srv/parsing
COPY common /srv/common
COPY tools /srv/tools
USER 1001

ENTRYPOINT ["python", "-m", "backoffice"]
