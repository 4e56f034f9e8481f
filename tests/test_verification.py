from rag.ingest.chunking import Chunk
from rag.verification import passage, title, verification_messages

GUIDE = "Ravensgill Ridge Loop - Trail Guide\nDistance: 11.4 km. Elevation gain: 620 m."


def _chunk(text: str, start: int = 0, heading: str = "", instructions: tuple[tuple[int, int], ...] = ()) -> Chunk:
    return Chunk(
        "c", "/docs/trail.pdf", text, start, start + len(text), "0" * 64, heading=heading, instructions=instructions
    )


def test_a_chunk_title_is_its_heading_or_the_first_line_of_its_document():
    assert title(_chunk(GUIDE)) == "Ravensgill Ridge Loop - Trail Guide"
    assert title(_chunk(GUIDE, heading="Guide > Distance")) == "Guide > Distance"
    assert title(_chunk(GUIDE, start=500)) == ""  # the first line of a later chunk is no title
    assert title(_chunk(GUIDE, instructions=((0, 20),))) == ""  # a line addressed to an AI is never context


def test_the_title_goes_before_a_quote_that_lacks_the_question_subject():
    question = "How long is the Ravensgill Ridge Loop?"
    messages = verification_messages(question, passage("Distance: 11.4 km.", question, title(_chunk(GUIDE))))
    assert "Passage: Ravensgill Ridge Loop - Trail Guide Distance: 11.4 km." in messages[1]["content"]
    assert passage("Distance: 11.4 km.", "How far is it?", title(_chunk(GUIDE))) == "Distance: 11.4 km."
