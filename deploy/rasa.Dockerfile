# The Rasa instances on the official Rasa image, plus the one package the
# project's Rasa customisations (rasa_runtime/) add: prometheus-client, for
# the Rasa server's GET /metrics. The code itself is mounted at /app by
# docker-compose.yml, so the image holds no project code.
FROM rasa/rasa:3.6.21

USER root
COPY deploy/rasa-requirements.txt constraints.txt /tmp/pins/
# The same exact versions the tests run with (constraints.txt).
RUN pip install --no-cache-dir -r /tmp/pins/rasa-requirements.txt -c /tmp/pins/constraints.txt \
    && rm -rf /tmp/pins
USER 1001
